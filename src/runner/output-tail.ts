/**
 * Keeps only the last `limit` bytes of a stream of chunks, so a script that
 * prints gigabytes never grows our memory. Chunks are kept by reference and
 * trimmed lazily: O(1) per chunk, at most ~2×limit held.
 */
export class OutputTail {
  private chunks: Buffer[] = [];
  private size = 0;
  private total = 0;

  constructor(readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    if (chunk.length >= this.limit) {
      this.chunks = [chunk.subarray(chunk.length - this.limit)];
      this.size = this.limit;
      return;
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= this.limit) {
      this.size -= this.chunks.shift()!.length;
    }
  }

  /** Takes the end of an output read back from a file (a script that wrote there directly). */
  adopt(end: Buffer, totalBytes: number): void {
    this.chunks = [end.length > this.limit ? end.subarray(end.length - this.limit) : end];
    this.size = this.chunks[0]!.length;
    this.total = totalBytes;
  }

  /** Bytes seen in all, kept or not. */
  get totalBytes(): number {
    return this.total;
  }

  /** The kept end as text; a multi-byte character cut at the start is dropped. */
  text(): string {
    let buffer = Buffer.concat(this.chunks, this.size);
    if (buffer.length > this.limit) buffer = buffer.subarray(buffer.length - this.limit);
    let start = 0;
    // Skip UTF-8 continuation bytes left by the cut.
    while (start < buffer.length && start < 4 && (buffer[start]! & 0xc0) === 0x80) start++;
    return buffer.subarray(start).toString('utf8');
  }
}

/** The last line that has something on it; what an error message should quote. */
export function lastNonEmptyLine(text: string): string | undefined {
  const lines = text.split(/\r?\n|\r/);
  for (let index = lines.length - 1; index >= 0; index--) {
    const line = lines[index]!.trim();
    if (line) return line;
  }
  return undefined;
}
