import type { Writable } from 'node:stream';
import type { Config } from './config/config.js';
import type { Env } from './config/env-source.js';
import type { JobFile } from './config/job-file.js';
import type { Places } from './config/paths.js';
import type { ConfigProblem } from './config/values.js';
import type { SignalSource } from './runner/signals.js';
import type { Logger } from './shared/logger.js';
import type { Redactor } from './shared/redact.js';
import type { Store } from './store/store.js';

/** Output sinks; only main.ts binds them to the real process streams. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal: tables and colour are allowed. */
  stdoutIsTTY: boolean;
  /** Colour allowed (TTY, no NO_COLOR, TERM != dumb). */
  color: boolean;
  /** The same sinks as streams, for piping a script's output with backpressure. */
  stdoutStream: Writable;
  stderrStream: Writable;
}

/** What every command gets: parsed config, output, clock, identity. No globals below main.ts. */
export interface CommandContext {
  config: Config;
  problems: ConfigProblem[];
  /** Process environment over the env file: what settings are read from. */
  env: Env;
  /** The process environment alone: what the backup script inherits (the env file may hold secrets). */
  processEnv: Env;
  cwd: string;
  io: Io;
  logger: Logger;
  /** Masks our secrets and applies BACKUP_ALERT_REDACT: the one place text is made safe. */
  redactor: Redactor;
  now: () => Date;
  hostname: string;
  /** Invoking OS user (SUDO_USER when present), for the audit log. */
  username: string;
  pid: number;
  /** SIGTERM/SIGINT/SIGHUP sent to us. */
  signals: SignalSource;
  /** Where settings and state live by default: system mode (root) or the user's XDG places. */
  places: Places;
  /** Opens the database (creating it); throws when it cannot. */
  openStore: () => Store;
  /** `run --job NAME` with a job file: its settings are already in `env` and `config`. */
  jobFile?: JobFile;
  /** The jobs directory (BACKUP_ALERT_JOBS_DIR, else `<config dir>/jobs`). */
  jobsDir: string;
}

/** What the process gives main(): the only door to argv, env, output, clock and identity. */
export interface MainDeps {
  env: Env;
  cwd: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Real streams when there are any; otherwise built on stdout/stderr above. */
  stdoutStream?: Writable;
  stderrStream?: Writable;
  now: () => Date;
  hostname: string;
  username: string;
  pid: number;
  signals: SignalSource;
  /** Packaged templates/; differs between the bundle and the sources. */
  defaultTemplateDir: string;
  /** The process's uid: 0 is system mode (/etc, /var/lib). Unset (tests, Windows): user mode. */
  uid?: number;
}
