import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { measure, reasonOf } from '../../../src/run/artifact/measure.js';
import { tempDir } from '../../helpers/tmp.js';

describe('measure', () => {
  it('a file: its size and modification time', async () => {
    const dir = tempDir();
    const path = join(dir, 'db.dump');
    writeFileSync(path, Buffer.alloc(1234));
    utimesSync(path, 1_700_000_000, 1_700_000_000);
    expect(await measure(path)).toEqual({
      kind: 'found',
      directory: false,
      bytes: 1234,
      newestMtimeMs: 1_700_000_000_000,
      truncated: false,
    });
  });

  it('a directory: the files at every depth summed; the newest time of anything in it; links not followed', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'top'), Buffer.alloc(10));
    writeFileSync(join(dir, 'a', 'mid'), Buffer.alloc(20));
    writeFileSync(join(dir, 'a', 'b', 'deep'), Buffer.alloc(30));
    symlinkSync(dir, join(dir, 'a', 'loop')); // would double-count (or never end) if followed
    for (const path of [dir, join(dir, 'a'), join(dir, 'a', 'b'), join(dir, 'top'), join(dir, 'a', 'mid')])
      utimesSync(path, 1_700_000_000, 1_700_000_000);
    utimesSync(join(dir, 'a', 'b', 'deep'), 1_700_000_500, 1_700_000_500);
    expect(await measure(dir)).toEqual({
      kind: 'found',
      directory: true,
      bytes: 60,
      newestMtimeMs: 1_700_000_500_000,
      truncated: false,
    });
  });

  it('stops at the entry limit and says so', async () => {
    const dir = tempDir();
    for (let index = 0; index < 30; index++) writeFileSync(join(dir, `f${index}`), 'x');
    expect(await measure(dir, 10)).toMatchObject({ kind: 'found', truncated: true, bytes: 10 });
    expect(await measure(dir, 30)).toMatchObject({ kind: 'found', truncated: false, bytes: 30 });
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'more'), 'x');
    expect(await measure(dir, 31)).toMatchObject({ truncated: true });
  });

  it('missing is missing; a loop is unreadable, with a short reason', async () => {
    const dir = tempDir();
    expect(await measure(join(dir, 'nope'))).toEqual({ kind: 'missing' });
    expect(await measure(join(dir, 'nope', 'deeper'))).toEqual({ kind: 'missing' });
    const loop = join(dir, 'loop');
    symlinkSync(loop, loop);
    const result = await measure(loop);
    expect(result).toMatchObject({ kind: 'unreadable', path: loop });
    expect(result.kind === 'unreadable' && reasonOf(result.error)).toBe(
      'ELOOP: too many symbolic links encountered',
    );
  });
});
