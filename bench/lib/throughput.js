// Output volume: a script printing N bytes, run by bash into a file (the
// baseline) and through `backup-alert run`, with and without --quiet.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { interleave, timeWithRss } from './measure.js';

const MiB = 1024 * 1024;

export const SIZES = {
  quick: [1 * MiB, 4 * MiB, 16 * MiB, 64 * MiB],
  full: [1 * MiB, 16 * MiB, 128 * MiB, 1024 * MiB],
};

export async function benchThroughput(b) {
  const sizes = b.full ? SIZES.full : SIZES.quick;
  const out = join(b.tmp, 'baseline.out');
  const dbName = 'throughput';
  const db = b.dbPath(dbName);
  const runArgs = (bytes, quiet) => [
    'run',
    '--type',
    'manual',
    '--script',
    b.scripts['print.sh'],
    '--db',
    db,
    ...(quiet ? ['--quiet'] : []),
    '--',
    String(bytes),
  ];
  const bySize = [];
  for (const bytes of sizes) {
    const result = await interleave(
      [
        {
          name: 'bash script > file',
          run: () =>
            timeWithRss(
              'bash',
              [b.scripts['print.sh'], String(bytes)],
              { env: b.env(), cwd: b.tmp, stdout: out },
              b.tmp,
            ),
        },
        // Our stdout to /dev/null: the bytes land once on disk (the per-run log), as in the baseline.
        { name: 'run', run: () => b.cliWithRss(runArgs(bytes, false)) },
        { name: 'run --quiet', run: () => b.cliWithRss(runArgs(bytes, true)) },
      ],
      {
        runs: 5,
        warmup: 1,
        // Keep the disk from filling up with 1 GiB logs: nothing is kept between runs.
        before: () => {
          rmSync(out, { force: true });
          b.clearLogs(dbName);
        },
      },
    );
    const rss = (name) => {
      const values = result[name].results.map((r) => r.rssKiB).filter((v) => Number.isFinite(v));
      return values.length ? { maxKiB: Math.max(...values), values } : { maxKiB: null, values };
    };
    bySize.push({
      bytes,
      baseline: result['bash script > file'],
      run: result.run,
      quiet: result['run --quiet'],
      rss: { run: rss('run'), quiet: rss('run --quiet'), baseline: rss('bash script > file') },
    });
  }
  rmSync(out, { force: true });
  b.clearLogs(dbName);
  return bySize;
}

/**
 * Throughput from the slope between the smallest and largest size: what each
 * further byte costs once the fixed start-up cost is paid.
 */
export function marginal(bySize, key) {
  const first = bySize[0];
  const last = bySize[bySize.length - 1];
  const seconds = (last[key].median - first[key].median) / 1000;
  return (last.bytes - first.bytes) / MiB / seconds;
}
