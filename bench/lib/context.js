// What every bench section shares: the temp dir, the fixture scripts, a way to
// spawn the built CLI exactly as cron would (clean env, no TTY), and the list of
// things to stop and remove at the end, also on Ctrl-C or when the bound is hit.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeScripts } from './fixtures.js';
import { killLive, timeOnce, timeWithUsage } from './measure.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'backup-alert.js');

export function createBenchContext({ full }) {
  const tmp = mkdtempSync(join(tmpdir(), 'backup-alert-bench-'));
  const home = join(tmp, 'home');
  mkdirSync(home);
  const scriptDir = join(tmp, 'scripts');
  mkdirSync(scriptDir);
  const scripts = writeScripts(scriptDir);
  const cleanups = [];
  const memo = new Map();

  // `env -i PATH=… HOME=<tmp> LANG=C.UTF-8`, plus what cron gives a job (LOGNAME,
  // USER): nothing inherited from the developer's shell (an inherited
  // NODE_EXTRA_CA_CERTS alone adds ~40 ms to every Node start). The Node running the
  // bench comes first on PATH, so the bin's `exec node` and `node -e 0` are the same.
  const user = userInfo().username;
  const path = `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`;
  /** A clean environment; `extra` adds the case's own variables. */
  const env = (extra = {}) => ({
    PATH: path,
    HOME: home,
    LOGNAME: user,
    USER: user,
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    ...extra,
  });
  const dbPath = (name) => join(tmp, name, 'backup-alert.db');
  // cwd is the temp dir, so no stray ./.env is read.
  const spawnOptions = (extraEnv, stdout) => ({ env: env(extraEnv), cwd: tmp, stdout });

  return {
    full,
    tmp,
    home,
    scripts,
    env,
    dbPath,
    /** One CLI invocation, timed: the bin executed as cron does (its sh preamble re-runs it as `node --`). */
    cli: (args, { extraEnv, stdout } = {}) => timeOnce(BIN, args, spawnOptions(extraEnv, stdout)),
    /** The same with peak RSS and CPU time (through /usr/bin/time, so only against cases measured alike). */
    cliUsage: (args, { extraEnv, stdout } = {}) =>
      timeWithUsage(BIN, args, spawnOptions(extraEnv, stdout), tmp),
    node: (args) => timeOnce(process.execPath, args, spawnOptions({})),
    nodeUsage: (args) => timeWithUsage(process.execPath, args, spawnOptions({}), tmp),
    /** Any command under the same clean environment. */
    run: (command, args, { extraEnv, stdout } = {}) =>
      timeOnce(command, args, spawnOptions(extraEnv, stdout)),
    runUsage: (command, args, { extraEnv, stdout } = {}) =>
      timeWithUsage(command, args, spawnOptions(extraEnv, stdout), tmp),
    /** Per-run log files of the database in `name`. */
    logFiles: (name) => {
      try {
        return readdirSync(join(tmp, name, 'runs'));
      } catch {
        return [];
      }
    },
    clearLogs: (name) => rmSync(join(tmp, name, 'runs'), { recursive: true, force: true }),
    /** Something one section prepares and another may reuse (a big database), made once. */
    once: (key, make) => {
      if (!memo.has(key)) memo.set(key, make());
      return memo.get(key);
    },
    /**
     * `stop` runs at the end, or on Ctrl-C / the time bound, last registered first.
     * It must be synchronous (the process may be about to exit). Returns a function
     * that runs it now and unregisters it.
     */
    onCleanup: (stop) => {
      const entry = { stop, done: false };
      cleanups.push(entry);
      return () => {
        if (entry.done) return;
        entry.done = true;
        stop();
      };
    },
    cleanup: () => {
      killLive();
      for (const entry of cleanups.reverse()) {
        if (entry.done) continue;
        entry.done = true;
        try {
          entry.stop();
        } catch {
          // Best effort: the rest must still go.
        }
      }
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
