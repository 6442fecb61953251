import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Output between two collections. */
const BYTES_PER_COLLECTION = 8 * 1024 * 1024;

type Collect = (options?: { type: 'minor' | 'major' }) => void;
let collect: Collect | null | undefined;

function collector(): Collect | null {
  if (collect === undefined) {
    try {
      // Exposes gc() to a fresh context only; our own globals stay as they are.
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
    } catch {
      collect = null;
    }
  }
  return collect;
}

/**
 * Each chunk read from the script's pipes is a new Buffer whose memory is
 * freed only when V8 collects its small wrapper, and V8 sees no reason to
 * collect while its heap is nearly empty: gigabytes of output would pile up
 * tens of MiB before a GC. A young-generation collection every few MiB of
 * output (a fraction of a millisecond) keeps the process flat.
 */
export function outputCollector(): (bytes: number) => void {
  let since = 0;
  return (bytes) => {
    since += bytes;
    if (since < BYTES_PER_COLLECTION) return;
    since = 0;
    collector()?.({ type: 'minor' });
  };
}
