import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './cli.js';

/**
 * Bundles one of our modules into a plain .mjs with a driver script, so a test can run our real
 * code in other processes (several writers at once, or as another user). World-readable: a
 * process dropped to `nobody` must be able to load it. Removed by the returned cleanup.
 */
export async function bundleDriver(
  entry: string,
  driver: string,
): Promise<{ dir: string; script: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'backup-alert-bundle-'));
  chmodSync(dir, 0o755);
  await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(dir, 'module.mjs'),
    logLevel: 'silent',
  });
  const script = join(dir, 'driver.mjs');
  writeFileSync(script, driver);
  chmodSync(join(dir, 'module.mjs'), 0o644);
  chmodSync(script, 0o644);
  return { dir, script, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
