import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { errorCode, errorMessage } from '../shared/errors.js';

/** Where serve's certificate and key are read from (and read again on SIGHUP). */
export interface TlsFiles {
  certPath: string;
  keyPath: string;
}

/** The PEM texts of one certificate and its key, checked to belong together. */
export interface TlsPair {
  cert: Buffer;
  key: Buffer;
}

/** A file could not be read or the pair is not usable; the message never holds the key. */
export class TlsFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TlsFileError';
  }
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new TlsFileError(
      `cannot read the TLS ${what} ${path}: ${errorCode(error) ?? errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Reads both files and builds a secure context from them, so a key that does not match the
 * certificate (or a file that is not PEM) is found here, before it replaces a working pair.
 * OpenSSL's reason is kept (it names no key material); the key's bytes never are.
 */
export async function loadTlsPair(files: TlsFiles): Promise<TlsPair> {
  const [cert, key] = await Promise.all([
    readPem(files.certPath, 'certificate'),
    readPem(files.keyPath, 'key'),
  ]);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    const reason = errorMessage(error).split('\n')[0] ?? 'unusable';
    throw new TlsFileError(
      `the TLS certificate ${files.certPath} and key ${files.keyPath} cannot be used: ${reason}`,
      {
        cause: error,
      },
    );
  }
  return { cert, key };
}
