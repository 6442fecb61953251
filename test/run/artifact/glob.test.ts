import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isGlob, newestMatch, segmentRegExp } from '../../../src/run/artifact/glob.js';
import { tempDir } from '../../helpers/tmp.js';

/** Creates files with the given ages in seconds (bigger = older) and returns the directory. */
function tree(files: Record<string, number>): string {
  const dir = tempDir();
  const now = Date.now() / 1000;
  for (const [name, age] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, name);
    utimesSync(path, now - age, now - age);
  }
  return dir;
}

describe('segmentRegExp', () => {
  const cases: Array<[string, string, boolean]> = [
    ['*.dump', 'db.dump', true],
    ['*.dump', 'db.dump.partial', false],
    ['*.dump', '.db.dump', false],
    ['.*.dump', '.db.dump', true],
    ['db-????.tar', 'db-2026.tar', true],
    ['db-????.tar', 'db-26.tar', false],
    ['db-[0-9]*.gz', 'db-7-full.gz', true],
    ['db-[0-9]*.gz', 'db-x.gz', false],
    ['db-[!0-9]*', 'db-x', true],
    ['db-[!0-9]*', 'db-1', false],
    ['a+b(1).*', 'a+b(1).tar', true],
    ['a+b(1).*', 'aab(1).tar', false],
    ['\\*literal', '*literal', true],
    ['\\*literal', 'xliteral', false],
    ['**.zst', 'x.zst', true],
    ['[unclosed', '[unclosed', true],
    ['日本*', '日本語.tar', true],
  ];
  it.each(cases)('%s ~ %s → %s', (pattern, name, matches) => {
    expect(segmentRegExp(pattern).test(name)).toBe(matches);
  });

  it('isGlob spots *, ? and [', () => {
    expect(['/a/*.gz', '/a/?.gz', '/a/[ab].gz', '/a/b.gz'].map(isGlob)).toEqual([true, true, true, false]);
  });
});

describe('newestMatch', () => {
  it('picks the most recently modified match, whatever the names say', async () => {
    const dir = tree({ 'db-9.dump': 3600, 'db-10.dump': 60, 'db-11.dump.partial': 1, 'notes.txt': 0 });
    expect(await newestMatch(join(dir, 'db-*.dump'))).toEqual({
      kind: 'matched',
      path: join(dir, 'db-10.dump'),
      truncated: false,
    });
  });

  it('matches wildcards in directory segments too', async () => {
    const dir = tree({ '2026-03-01/db.tar': 7200, '2026-03-02/db.tar': 60, '2026-03-03/other.tar': 0 });
    const match = await newestMatch(join(dir, '2026-??-??', 'db.tar'));
    expect(match).toMatchObject({ path: join(dir, '2026-03-02', 'db.tar') });
  });

  it('matches nothing (no error) when nothing fits or a directory on the way is missing', async () => {
    const dir = tree({ 'a.txt': 0 });
    expect(await newestMatch(join(dir, '*.dump'))).toEqual({
      kind: 'matched',
      path: undefined,
      truncated: false,
    });
    expect(await newestMatch(join(dir, 'missing', '*.dump'))).toMatchObject({ path: undefined });
    expect(await newestMatch(join(dir, 'a.txt', '*'))).toMatchObject({ path: undefined });
  });

  it('skips dangling links', async () => {
    const dir = tree({ 'old.dump': 600 });
    symlinkSync(join(dir, 'gone'), join(dir, 'new.dump'));
    expect(await newestMatch(join(dir, '*.dump'))).toMatchObject({ path: join(dir, 'old.dump') });
  });

  it('reads at most the entry limit and says it stopped', async () => {
    const files: Record<string, number> = {};
    for (let index = 0; index < 50; index++) files[`d${index}/f.dump`] = index;
    const dir = tree(files);
    const bounded = await newestMatch(join(dir, '*', '*.dump'), 20);
    expect(bounded).toMatchObject({ kind: 'matched', truncated: true });
    const whole = await newestMatch(join(dir, '*', '*.dump'));
    expect(whole).toEqual({ kind: 'matched', path: join(dir, 'd0', 'f.dump'), truncated: false });
  });
});
