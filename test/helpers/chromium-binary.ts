import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extract } from 'tar';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Debian's Chromium (the chromium package). */
const SYSTEM_CHROMIUM = '/usr/bin/chromium';

export interface ChromiumProgram {
  executablePath: string;
  /** The environment to launch it with. */
  env: Record<string, string | undefined>;
}

/**
 * The Chromium the dashboard tests drive: the system's when present, else the one npm
 * installed with @sparticuz/chromium. BACKUP_ALERT_TEST_CHROMIUM=npm forces the npm one, so CI
 * proves the path a bare machine takes even where Debian's is installed.
 */
export async function chromiumProgram(): Promise<ChromiumProgram> {
  if (process.env['BACKUP_ALERT_TEST_CHROMIUM'] !== 'npm' && existsSync(SYSTEM_CHROMIUM)) {
    return { executablePath: SYSTEM_CHROMIUM, env: process.env };
  }
  const cache = await npmChromium();
  // Its own NSS and expat (the package's al2023 libraries): a bare machine has no libnss3.
  const libraries = [join(cache, 'al2023', 'lib'), process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':');
  return { executablePath: join(cache, 'chromium'), env: { ...process.env, LD_LIBRARY_PATH: libraries } };
}

/**
 * @sparticuz/chromium ships Chromium brotli-compressed and unpacks it into os.tmpdir() (the
 * binary, its fonts and SwiftShader, loose files) on first use. The suite must leave the temp
 * directory as it found it, so it unpacks once into a cache under node_modules, named for the
 * package's version: into a staging folder first (TMPDIR pointed there for the call), then
 * renamed into place, so two test files unpacking at once cannot see half a Chromium. The
 * libraries it brings for Amazon Linux (NSS, NSPR, expat) are unpacked beside it: the package
 * does so only on Amazon Linux, and a bare Debian or Ubuntu lacks them too.
 */
async function npmChromium(): Promise<string> {
  const require = createRequire(import.meta.url);
  // Its exports hide package.json: from the CommonJS entry (build/cjs/index.cjs) up to the package.
  const packageDir = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..');
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const cache = join(ROOT, 'node_modules', '.cache', 'backup-alert-tests', `chromium-${version}`);
  if (existsSync(join(cache, 'chromium'))) return cache;
  mkdirSync(dirname(cache), { recursive: true });
  const staging = `${cache}.${process.pid}`;
  mkdirSync(join(staging, 'al2023'), { recursive: true });
  const tmpdir = process.env['TMPDIR'];
  try {
    process.env['TMPDIR'] = staging;
    const { default: Chromium } = await import('@sparticuz/chromium');
    await Chromium.executablePath(join(packageDir, 'bin'));
  } finally {
    if (tmpdir === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = tmpdir;
  }
  await extract({
    file: join(packageDir, 'bin', 'al2023.tar.br'),
    cwd: join(staging, 'al2023'),
    brotli: true,
  });
  try {
    renameSync(staging, cache);
  } catch (error) {
    // Another test file unpacked it first: use theirs.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(join(cache, 'chromium'))) throw error;
  }
  return cache;
}
