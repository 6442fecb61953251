import type { Writable } from 'node:stream';
import type { Config } from './config/config.js';
import type { Env } from './config/env-source.js';
import type { ConfigProblem } from './config/values.js';
import type { Logger } from './shared/logger.js';
import type { Store } from './store/store.js';

/** Output sinks; only cli.ts binds them to the real process streams. */
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

/** What every command gets: parsed config, output, clock, identity. No globals below cli.ts. */
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
  now: () => Date;
  hostname: string;
  /** Invoking OS user (SUDO_USER when present), for the audit log. */
  username: string;
  pid: number;
  /** Opens the database (creating it); throws when it cannot. */
  openStore: () => Store;
}
