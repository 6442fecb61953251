import { Transform } from 'node:stream';

/** A line longer than this is redacted and written in pieces: memory stays bounded. */
export const MAX_HELD_LINE_BYTES = 64 * 1024;

/**
 * Redacts the script's output on its way to the per-run log file, by whole lines: a chunk
 * boundary never splits a match (a pattern sees `token=abc123` even when the pipe delivered
 * `tok` and `en=abc123`). Only a line longer than MAX_HELD_LINE_BYTES is cut, and a match
 * across that cut can slip through; so can one that spans lines (patterns see one or more
 * whole lines, never a part of one).
 */
export function redactLines(redact: (text: string) => string, highWaterMark: number): Transform {
  let held: Buffer[] = [];
  let heldBytes = 0;
  const take = () => {
    const all = Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    return all;
  };
  return new Transform({
    writableHighWaterMark: highWaterMark,
    readableHighWaterMark: highWaterMark,
    transform(chunk: Buffer, _encoding, callback) {
      const end = chunk.lastIndexOf(0x0a);
      if (end < 0) {
        held.push(chunk);
        heldBytes += chunk.length;
        if (heldBytes >= MAX_HELD_LINE_BYTES) {
          const all = take();
          const cut = utf8Boundary(all, all.length);
          if (cut < all.length) {
            held = [all.subarray(cut)];
            heldBytes = all.length - cut;
          }
          callback(null, redact(all.subarray(0, cut).toString('utf8')));
          return;
        }
        callback();
        return;
      }
      held.push(chunk.subarray(0, end + 1));
      heldBytes += end + 1;
      const lines = take().toString('utf8');
      if (end + 1 < chunk.length) {
        held = [chunk.subarray(end + 1)];
        heldBytes = chunk.length - end - 1;
      }
      callback(null, redact(lines));
    },
    flush(callback) {
      callback(null, heldBytes > 0 ? redact(take().toString('utf8')) : undefined);
    },
  });
}

/** Where to cut `buffer` so that no UTF-8 character is split: before an incomplete last one. */
function utf8Boundary(buffer: Buffer, length: number): number {
  let lead = length - 1;
  while (lead > 0 && length - lead < 4 && (buffer[lead]! & 0xc0) === 0x80) lead--;
  const byte = buffer[lead] ?? 0;
  if (byte < 0xc0) return length;
  const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
  return lead + size > length ? lead : length;
}
