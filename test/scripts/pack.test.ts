import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// What `npm pack` puts in the tarball, as npm itself computes it (dry run, no scripts:
// the suite's build already made dist/).
interface PackEntry {
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

describe('the npm package', () => {
  const [pack] = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    }),
  ) as PackEntry[];

  it('ships no source maps (they were 3.6 of 5.6 MB)', () => {
    expect(pack!.files.filter((file) => file.path.endsWith('.map'))).toEqual([]);
  });

  it('is at most 1 MB packed', () => {
    expect(pack!.size).toBeLessThanOrEqual(1_000_000);
  });

  it('ships the man page and what init reads', () => {
    const paths = pack!.files.map((file) => file.path);
    expect(paths).toEqual(
      expect.arrayContaining(['man/backup-alert.1', 'examples/.env.example', 'package.json']),
    );
  });
});
