import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmPostgresBinDir, postgresOsUser, systemPostgresBinDir } from '../helpers/postgres-binaries.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * As root, some tests run programs as another user: the CLI as `nobody` (permission cases),
 * PostgreSQL as `postgres` or `nobody`. A checkout under a 0700 directory (a clone in
 * `mktemp -d`) is closed to them, so what they execute is copied into one world-readable temp
 * folder for the run, and removed by `remove()`.
 */
export interface ReachableCopies {
  /** The CLI's bin/backup-alert.js in a copy `nobody` can run ('' when not root). */
  cliBin: string;
  /** npm's PostgreSQL bin/ in a copy its OS user can run ('' when not needed). */
  postgresBin: string;
  remove(): void;
}

export function makeReachableCopies(): ReachableCopies {
  if (process.getuid?.() !== 0) return { cliBin: '', postgresBin: '', remove() {} };
  const dir = mkdtempSync(join(tmpdir(), 'backup-alert-reachable-'));
  chmodSync(dir, 0o755);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    return { cliBin: copyCli(join(dir, 'cli')), postgresBin: copyPostgres(join(dir, 'postgres')), remove };
  } catch (error) {
    remove();
    throw error;
  }
}

/**
 * What `bin/backup-alert.js` loads: the bundle, the templates, package.json and the one
 * external module (better-sqlite3 and what it requires), without its sources and build files.
 */
function copyCli(target: string): string {
  for (const path of ['bin', 'dist', 'templates', 'package.json']) {
    cpSync(join(ROOT, path), join(target, path), { recursive: true });
  }
  const sqlite = join(ROOT, 'node_modules', 'better-sqlite3');
  cpSync(sqlite, join(target, 'node_modules', 'better-sqlite3'), {
    recursive: true,
    filter: (source) =>
      !/better-sqlite3\/(deps|src|build\/Release\/(obj|obj\.target|test_extension))/.test(source),
  });
  for (const name of ['bindings', 'file-uri-to-path']) {
    cpSync(join(ROOT, 'node_modules', name), join(target, 'node_modules', name), { recursive: true });
  }
  return join(target, 'bin', 'backup-alert.js');
}

/** npm's PostgreSQL, when the tests will use it and its OS user cannot run it where it is. */
function copyPostgres(target: string): string {
  const user = postgresOsUser();
  const system = process.env['BACKUP_ALERT_TEST_PG'] !== 'npm' && systemPostgresBinDir();
  if (!user || system) return '';
  const bin = npmPostgresBinDir();
  if (canRun(user, join(bin, 'initdb'))) return '';
  // bin/, lib/ and share/ side by side: the programs find the rest relative to themselves.
  cpSync(join(bin, '..'), target, { recursive: true, verbatimSymlinks: true });
  return join(target, 'bin');
}

function canRun(user: string, program: string): boolean {
  try {
    execFileSync('runuser', ['-u', user, '--', 'test', '-x', program], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
