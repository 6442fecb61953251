import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { Writable } from 'node:stream';
import { errorMessage } from '../shared/errors.js';

/**
 * The per-run log file, written with plain synchronous writes on its own descriptor.
 * A write to the page cache takes microseconds; going through fs.WriteStream sent every
 * chunk to libuv's thread pool and back (most of the CPU a large output cost), and its
 * buffer grew with a slow disk. A sync write is its own backpressure: while it writes,
 * the script's pipe fills and the script waits, so memory stays flat whatever the volume.
 */
export class LogFile {
  readonly fd: number;
  /** Why writing stopped, once it has. */
  error: string | undefined;
  private closed = false;

  constructor(path: string) {
    // Appending for every write; readable too, for the tail a direct writer left in it.
    this.fd = openSync(path, 'a+', 0o600);
  }

  write(chunk: Buffer | string): void {
    if (this.closed || this.error !== undefined) return;
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    try {
      for (let offset = 0; offset < buffer.length; ) offset += writeSync(this.fd, buffer, offset);
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  /** The same sink as a stream, for a pump or a pipe (the redaction's output). */
  stream(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        this.write(chunk);
        callback();
      },
      writev: (chunks, callback) => {
        for (const { chunk } of chunks) this.write(chunk as Buffer);
        callback();
      },
    });
  }

  /** Bytes in the file, and its last `limit` of them (for a script that wrote to it directly). */
  tail(limit: number): { bytes: number; tail: Buffer } {
    const bytes = fstatSync(this.fd).size;
    const length = Math.min(limit, bytes);
    const tail = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const n = readSync(this.fd, tail, read, length - read, bytes - length + read);
      if (n === 0) break;
      read += n;
    }
    return { bytes, tail: tail.subarray(0, read) };
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      closeSync(this.fd);
    } catch {
      // Already gone.
    }
  }
}
