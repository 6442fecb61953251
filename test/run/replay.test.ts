import { closeSync, ftruncateSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { REPLAY_CHUNK_BYTES, replayFile } from '../../src/run/replay.js';
import { tempDir } from '../helpers/tmp.js';

// `run --quiet` replays a failed run's log file to our stdout (issue 22, item 9).

/** Distinct bytes at every offset, so a buffer reused while a sink still held it shows. */
function numberedLines(bytes: number): Buffer {
  let text = '';
  for (let line = 0; text.length < bytes; line++) text += `line ${line} of the backup's output\n`;
  return Buffer.from(text.slice(0, bytes));
}

describe('replaying the log file', () => {
  it('copies it byte for byte to a sink that queues what it is given (partial last chunk too)', async () => {
    const dir = tempDir();
    const path = join(dir, 'run.log');
    const content = numberedLines(5 * REPLAY_CHUNK_BYTES + 123);
    writeFileSync(path, content);
    // A small high-water mark and a slow reader: writes are queued, write() says wait.
    const sink = new PassThrough({ highWaterMark: 1024 });
    const received: Buffer[] = [];
    const reading = (async () => {
      for await (const chunk of sink) {
        received.push(Buffer.from(chunk as Buffer));
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    expect(await replayFile(path, sink)).toBe(true);
    sink.end();
    await reading;
    expect(Buffer.concat(received).equals(content)).toBe(true);
  });

  it('keeps no more than one chunk in memory when the sink writes at once, however large the file', async () => {
    const dir = tempDir();
    const path = join(dir, 'run.log');
    // 96 MiB without using the disk: a sparse file reads back as zeros.
    const fd = openSync(path, 'w');
    ftruncateSync(fd, 96 * 1024 * 1024);
    closeSync(fd);
    const devNull = openSync('/dev/null', 'w');
    let written = 0;
    let peakArrayBuffers = 0;
    const before = process.memoryUsage().arrayBuffers;
    // Like our stdout on a file, a pipe or a terminal: each write done when write() returns.
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        writeSync(devNull, chunk);
        written += chunk.length;
        peakArrayBuffers = Math.max(peakArrayBuffers, process.memoryUsage().arrayBuffers);
        callback();
      },
    });
    try {
      expect(await replayFile(path, sink)).toBe(true);
    } finally {
      closeSync(devNull);
    }
    expect(written).toBe(96 * 1024 * 1024);
    // A read stream allocated a new 64 KiB Buffer per read, left for V8 to collect when it
    // felt like it: 32 MiB of them piled up before it did (92 MiB peak RSS at 200 MB).
    expect(peakArrayBuffers - before).toBeLessThan(4 * 1024 * 1024);
  });

  it('returns false (the caller shows the tail it kept) when the log file cannot be opened', async () => {
    const sink = new PassThrough();
    expect(await replayFile(join(tempDir(), 'gone.log'), sink)).toBe(false);
    expect(sink.writableLength).toBe(0);
  });
});
