import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { makeCert } from './cert.js';

export interface CertFiles {
  certPath: string;
  keyPath: string;
  cert: Buffer;
}

/**
 * A fresh self-signed certificate for localhost/127.0.0.1 with this CN, written into `dir`.
 */
export async function writeCert(dir: string, cn: string): Promise<CertFiles> {
  const { key, cert } = await makeCert(cn, 'ec');
  const certPath = join(dir, `${cn}.crt`);
  const keyPath = join(dir, `${cn}.key`);
  writeFileSync(certPath, cert);
  writeFileSync(keyPath, key, { mode: 0o600 });
  return { certPath, keyPath, cert };
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The CN of the certificate the server presented. */
  peerCn: string;
}

/** One HTTPS request trusting only `ca`, on a fresh connection; bounded by 5 s. */
export function httpsRequest(
  url: string,
  options: { ca: Buffer | Buffer[]; method?: string; headers?: Record<string, string>; body?: string },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        ca: options.ca,
        headers: options.headers ?? {},
        agent: false,
        timeout: 5000,
      },
      (res) => {
        const peer =
          res.socket && 'getPeerCertificate' in res.socket
            ? (res.socket as import('node:tls').TLSSocket).getPeerCertificate()
            : undefined;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            peerCn: String(peer?.subject?.CN ?? ''),
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 5 s')));
    req.on('error', reject);
    req.end(options.body);
  });
}
