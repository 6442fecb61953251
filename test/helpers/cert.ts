import { generate } from 'selfsigned';

export interface TestCert {
  key: Buffer;
  cert: Buffer;
}

/**
 * A self-signed certificate for localhost and 127.0.0.1 with this CN, valid two days, made in
 * memory by the `selfsigned` package: no openssl program, nothing in the temp directory.
 */
export async function makeCert(cn: string, keyType: 'rsa' | 'ec'): Promise<TestCert> {
  const pems = await generate([{ name: 'commonName', value: cn }], {
    ...(keyType === 'ec' ? { keyType: 'ec', curve: 'P-256' } : { keyType: 'rsa', keySize: 2048 }),
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 2 * 24 * 3_600_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  });
  return { key: Buffer.from(pems.private), cert: Buffer.from(pems.cert) };
}
