import { closeSync, openSync, readSync } from 'node:fs';
import type { Writable } from 'node:stream';

/** One read of the replay; the same buffer serves the whole file when the sink writes at once. */
export const REPLAY_CHUNK_BYTES = 64 * 1024;
/** Output between two turns of the event loop (signals, timers), when every write is synchronous. */
const YIELD_EVERY_BYTES = 8 * 1024 * 1024;

/**
 * Copies the run's log file to `out` (`--quiet`'s replay of a failed run) through one
 * reused buffer. A read stream allocates a new Buffer per read, freed only when V8
 * collects its wrapper, and V8 sees no reason to collect while its heap is nearly empty:
 * replaying 200 MB took `run --quiet` from 57 to 92 MiB, 32 MiB of it dead chunks
 * (issue 22, item 9). Our stdout writes synchronously (a file, and on Linux a pipe or a
 * terminal too), so the buffer is free again when write() returns; a sink that queues the
 * chunk instead (writableLength > 0 after the write) keeps it, and the next read gets a
 * new buffer. Returns false when the file cannot be opened (nothing was written).
 */
export async function replayFile(path: string, out: Writable): Promise<boolean> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    let buffer = Buffer.allocUnsafe(REPLAY_CHUNK_BYTES);
    let sinceYield = 0;
    for (;;) {
      // A reader that went away (EPIPE) ends the replay, not the run.
      if (out.destroyed || out.writableEnded) return true;
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) return true;
      const ready = out.write(n === buffer.length ? buffer : buffer.subarray(0, n));
      if (out.writableLength > 0) buffer = Buffer.allocUnsafe(REPLAY_CHUNK_BYTES);
      if (!ready) await drained(out);
      sinceYield += n;
      if (sinceYield >= YIELD_EVERY_BYTES) {
        sinceYield = 0;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  } catch {
    // The file became unreadable halfway: what was replayed stays replayed.
    return true;
  } finally {
    closeSync(fd);
  }
}

function drained(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('error', done);
      out.off('close', done);
      resolve();
    };
    out.once('drain', done);
    out.once('error', done);
    out.once('close', done);
  });
}
