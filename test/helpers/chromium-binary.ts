import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Debian's Chromium (the chromium package). */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

/**
 * The Chromium the dashboard tests drive: the system's when present, else the one npm
 * installed with @sparticuz/chromium. BACKUP_ALERT_TEST_CHROMIUM=npm forces the npm one, so CI
 * proves the path a bare machine takes even where Debian's is installed.
 */
export async function chromiumExecutable(): Promise<string> {
  if (process.env['BACKUP_ALERT_TEST_CHROMIUM'] !== 'npm' && existsSync(SYSTEM_CHROMIUM))
    return SYSTEM_CHROMIUM;
  return npmChromium();
}

/**
 * @sparticuz/chromium ships Chromium brotli-compressed and unpacks it into os.tmpdir() (the
 * binary, its fonts and SwiftShader, loose files) on first use. The suite must leave the temp
 * directory as it found it, so it unpacks once into a cache under node_modules, named for the
 * package's version: into a staging folder first (TMPDIR pointed there for the call), then
 * renamed into place, so two test files unpacking at once cannot see half a Chromium.
 */
async function npmChromium(): Promise<string> {
  const require = createRequire(import.meta.url);
  // Its exports hide package.json: from the CommonJS entry (build/cjs/index.cjs) up to the package.
  const packageDir = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const cache = join(ROOT, 'node_modules', '.cache', 'backup-alert-tests', `chromium-${version}`);
  const binary = join(cache, 'chromium');
  if (existsSync(binary)) return binary;
  mkdirSync(dirname(cache), { recursive: true });
  const staging = `${cache}.${process.pid}`;
  mkdirSync(staging, { recursive: true });
  const tmpdir = process.env['TMPDIR'];
  try {
    process.env['TMPDIR'] = staging;
    const { default: Chromium } = await import('@sparticuz/chromium');
    await Chromium.executablePath(join(packageDir, 'bin'));
  } finally {
    if (tmpdir === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = tmpdir;
  }
  try {
    renameSync(staging, cache);
  } catch (error) {
    // Another test file unpacked it first: use theirs.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
  return binary;
}
