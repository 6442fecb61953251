import type { Readable, Writable } from 'node:stream';

/**
 * Copies a child's stream to sinks (our stdout or stderr, the log file), pausing
 * the child while any sink is full so output volume never grows our memory.
 * A sink that fails (EPIPE: whoever read our stdout went away) is dropped, and
 * the copy goes on to the others: the backup must not stall on a closed pipe.
 * Resolves when the source ends or closes.
 */
export function pump(
  source: Readable | null,
  sinks: readonly Writable[],
  onChunk: (chunk: Buffer) => void,
): Promise<void> {
  if (!source) return Promise.resolve();
  const broken = new Set<Writable>();
  const full = new Set<Writable>();
  const resumeIfClear = () => {
    if (full.size === 0 && source.isPaused()) source.resume();
  };
  const watched = new WeakSet<Writable>();
  const watch = (sink: Writable) => {
    if (watched.has(sink)) return;
    watched.add(sink);
    sink.on('error', () => {
      broken.add(sink);
      full.delete(sink);
      resumeIfClear();
    });
  };
  return new Promise<void>((resolve) => {
    source.on('data', (chunk: Buffer) => {
      onChunk(chunk);
      for (const sink of sinks) {
        if (broken.has(sink) || sink.destroyed || sink.writableEnded) continue;
        watch(sink);
        if (!sink.write(chunk) && !full.has(sink)) {
          full.add(sink);
          sink.once('drain', () => {
            full.delete(sink);
            resumeIfClear();
          });
        }
      }
      if (full.size > 0) source.pause();
    });
    source.once('end', resolve);
    source.once('close', resolve);
    source.once('error', () => resolve());
  });
}
