import { describe, expect, it } from 'vitest';
import { lastNonEmptyLine, OutputTail } from '../../src/runner/output-tail.js';

/** A small deterministic PRNG (mulberry32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Printable ASCII, so bytes and characters coincide and text() is the byte tail exactly. */
function asciiChunk(length: number, counter: { n: number }): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index++) bytes[index] = 33 + ((counter.n++ * 7 + index) % 94);
  return bytes;
}

/** The bytes OutputTail holds right now (an internal invariant: nothing else can show it). */
function heldBytes(tail: OutputTail): number {
  const { chunks } = tail as unknown as { chunks: Buffer[] };
  return chunks.reduce((sum, chunk) => sum + chunk.length, 0);
}

describe('OutputTail', () => {
  it.each([
    [1, 'single bytes'],
    [7, 'small chunks'],
    [63, 'just under the limit'],
    [64, 'exactly the limit'],
    [65, 'just over the limit'],
    [1000, 'far over the limit'],
  ])('keeps exactly the last N bytes with chunks of %d (%s)', (size) => {
    const limit = 64;
    const tail = new OutputTail(limit);
    const all: Buffer[] = [];
    const counter = { n: 0 };
    for (let index = 0; index < 50; index++) {
      const chunk = asciiChunk(size, counter);
      all.push(chunk);
      tail.push(chunk);
      const whole = Buffer.concat(all);
      expect(tail.text()).toBe(whole.subarray(Math.max(0, whole.length - limit)).toString('utf8'));
    }
    expect(tail.totalBytes).toBe(50 * size);
  });

  it('matches a reference concatenation for random chunk sequences and never holds more than 2×limit', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const next = random(seed);
      const limit = 1 + Math.floor(next() * 300);
      const tail = new OutputTail(limit);
      const all: Buffer[] = [];
      const counter = { n: seed };
      let total = 0;
      for (let step = 0; step < 200; step++) {
        // Mostly small chunks, sometimes empty, sometimes bigger than the limit.
        const roll = next();
        const length =
          roll < 0.05 ? 0 : roll < 0.15 ? limit + Math.floor(next() * limit * 3) : Math.floor(next() * limit);
        const chunk = asciiChunk(length, counter);
        all.push(chunk);
        total += length;
        tail.push(chunk);
        expect(heldBytes(tail), `seed ${seed} step ${step}`).toBeLessThan(2 * limit);
      }
      const whole = Buffer.concat(all);
      expect(tail.text(), `seed ${seed}`).toBe(
        whole.subarray(Math.max(0, whole.length - limit)).toString('utf8'),
      );
      expect(tail.totalBytes).toBe(total);
    }
  });

  it('holds a bounded amount however much is pushed', () => {
    const limit = 64 * 1024;
    const tail = new OutputTail(limit);
    const chunk = Buffer.alloc(16 * 1024 + 3, 'x');
    for (let index = 0; index < 2_000; index++) tail.push(chunk);
    expect(tail.totalBytes).toBe(2_000 * chunk.length);
    expect(heldBytes(tail)).toBeLessThan(2 * limit);
    expect(Buffer.byteLength(tail.text())).toBe(limit);
  });

  it('is empty before anything is pushed and shorter than the limit while little was', () => {
    const tail = new OutputTail(100);
    expect(tail.text()).toBe('');
    expect(tail.totalBytes).toBe(0);
    tail.push(Buffer.from('hello\n'));
    tail.push(Buffer.from('world\n'));
    expect(tail.text()).toBe('hello\nworld\n');
  });

  it.each([
    ['é', 2],
    ['€', 3],
    ['😀', 4],
  ])('drops a %s cut at the start instead of showing a replacement character', (char, width) => {
    // The limit keeps only the last 1..width-1 bytes of the first character.
    for (let cut = 1; cut < width; cut++) {
      const tail = new OutputTail(cut + 3);
      tail.push(Buffer.from(`ab${char}`));
      tail.push(Buffer.from('xyz'));
      expect(tail.text()).toBe('xyz');
      expect(tail.text()).not.toContain('\uFFFD');
    }
    // Cut exactly at the character boundary: the whole character is kept.
    const whole = new OutputTail(width + 3);
    whole.push(Buffer.from(`ab${char}xyz`));
    expect(whole.text()).toBe(`${char}xyz`);
  });

  it('keeps multi-byte text intact when it is split across chunks inside a character', () => {
    const text = 'バックアップ失敗: 接続が拒否されました\n'.repeat(20);
    const bytes = Buffer.from(text);
    const tail = new OutputTail(bytes.length);
    for (let offset = 0; offset < bytes.length; offset += 5) tail.push(bytes.subarray(offset, offset + 5));
    expect(tail.text()).toBe(text);
  });
});

describe('lastNonEmptyLine', () => {
  it.each([
    ['one line', 'one line'],
    ['first\nsecond\n', 'second'],
    ['first\nsecond\n\n   \n\t\n', 'second'],
    ['a\r\nb\r\n', 'b'],
    ['a\rb\r', 'b'],
    ['  padded error  \n', 'padded error'],
    ['pg_dump: error: connection refused\n', 'pg_dump: error: connection refused'],
  ])('%j → %j', (text, line) => {
    expect(lastNonEmptyLine(text)).toBe(line);
  });

  it.each([[''], ['\n'], ['  \n\n\t\r\n']])('%j has no line', (text) => {
    expect(lastNonEmptyLine(text)).toBeUndefined();
  });
});
