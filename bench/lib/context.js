// What every bench section shares: the temp dir, the fixture scripts, and a
// way to spawn the built CLI exactly as cron would (clean env, no TTY).
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeScripts } from './fixtures.js';
import { timeOnce, timeWithRss } from './measure.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'backup-alert.js');

export function createBenchContext({ full }) {
  const tmp = mkdtempSync(join(tmpdir(), 'backup-alert-bench-'));
  const home = join(tmp, 'home');
  mkdirSync(home);
  const scriptDir = join(tmp, 'scripts');
  mkdirSync(scriptDir);
  const scripts = writeScripts(scriptDir);

  // What cron gives a job (LOGNAME, HOME, PATH), so the CLI is measured as it runs there.
  const user = userInfo().username;
  /** A clean environment: nothing from the developer's machine, HOME in the temp dir. */
  const env = (extra = {}) => ({
    PATH: process.env.PATH,
    HOME: home,
    LOGNAME: user,
    USER: user,
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    ...extra,
  });
  const dbPath = (name) => join(tmp, name, 'backup-alert.db');

  return {
    full,
    tmp,
    home,
    scripts,
    env,
    dbPath,
    /**
     * One CLI invocation, timed: the bin executed as cron does (its sh preamble
     * re-runs it as `node --`, which is part of the cost). cwd is the temp dir,
     * so no stray ./.env is read.
     */
    cli: (args, { extraEnv, stdout } = {}) => timeOnce(BIN, args, { env: env(extraEnv), cwd: tmp, stdout }),
    cliWithRss: (args, { extraEnv, stdout } = {}) =>
      timeWithRss(BIN, args, { env: env(extraEnv), cwd: tmp, stdout }, tmp),
    node: (args) => timeOnce(process.execPath, args, { env: env(), cwd: tmp }),
    /** Per-run log files of the database in `name`. */
    logFiles: (name) => {
      try {
        return readdirSync(join(tmp, name, 'runs'));
      } catch {
        return [];
      }
    },
    clearLogs: (name) => rmSync(join(tmp, name, 'runs'), { recursive: true, force: true }),
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
}
