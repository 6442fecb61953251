import { hostname as osHostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { defineCommands } from './cli/commands.js';
import type { Env } from './config/env-source.js';
import type { CommandContext, Io } from './context.js';
import type { SignalSource } from './runner/signals.js';
import { errorMessage, InternalError, UsageError } from './shared/errors.js';
import { ExitCode } from './shared/exit-codes.js';
import type { LogFormat } from './shared/logger.js';
import { VERSION } from './shared/version.js';

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
}

export interface CommonOptions {
  envFile?: string;
  db?: string;
  verbose?: boolean;
  silent?: boolean;
  logFormat?: LogFormat;
}

/** Parses argv, runs one command, returns the exit code. Never calls process.exit. */
export async function main(argv: readonly string[], deps: MainDeps): Promise<number> {
  // Bare `--version` answers before anything is loaded: it is what package managers and
  // wrappers call, and commander would print exactly this (`${version}\n`, exit 0).
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    deps.stdout(`${VERSION}\n`);
    return ExitCode.ok;
  }
  const lib = await loadLibraries();
  const { CommanderError } = lib.commander;
  const program = buildProgram(deps, lib);
  let exitCode: number = ExitCode.ok;
  program.hook('postAction', (_thisCommand, actionCommand) => {
    exitCode = (actionCommand as Command & { exitCodeResult?: number }).exitCodeResult ?? ExitCode.ok;
  });
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      if (error.code === 'commander.help') return ExitCode.ok;
      return ExitCode.usage;
    }
    if (error instanceof UsageError) {
      deps.stderr(`backup-alert: ${error.message}\n`);
      return ExitCode.usage;
    }
    const detail =
      error instanceof InternalError && error.cause
        ? `${error.message}: ${errorMessage(error.cause)}`
        : errorMessage(error);
    deps.stderr(
      `backup-alert: internal error: ${detail}\nThis is a bug in backup-alert, please report it with the command you ran.\n`,
    );
    if (deps.env['BACKUP_ALERT_DEBUG'] && error instanceof Error && error.stack)
      deps.stderr(`${error.stack}\n`);
    return ExitCode.internal;
  }
}

/**
 * Everything a command needs beyond the entry file, imported on first use so that
 * `--version` does not pay for commander, dotenv (which loads node:crypto) or SQLite.
 */
async function loadLibraries() {
  const [commander, config, envSource, logger, store] = await Promise.all([
    import('commander'),
    import('./config/config.js'),
    import('./config/env-source.js'),
    import('./shared/logger.js'),
    import('./store/store.js'),
  ]);
  return {
    commander,
    BACKUP_TYPES: config.BACKUP_TYPES,
    loadConfig: config.loadConfig,
    resolveEnv: envSource.resolveEnv,
    createLogger: logger.createLogger,
    Store: store.Store,
  };
}

type Libraries = Awaited<ReturnType<typeof loadLibraries>>;

function buildProgram(deps: MainDeps, lib: Libraries): Command {
  const { Command, Option } = lib.commander;
  const { BACKUP_TYPES } = lib;
  const program = new Command('backup-alert')
    .description('Run a backup script, record every run, and alert people when it fails.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr })
    .enablePositionalOptions()
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  backup-alert run --type daily --script /opt/backup/backup.sh --timeout 4h --quiet',
        '  backup-alert test-email --to admin@example.com',
        '  backup-alert status --type daily --max-age 26h --nagios',
        '  backup-alert doctor',
        '',
        "Exit codes: 0 ok; the script's own code on failure; 2 usage; 70 internal error; 75 lock busy;",
        '124 timed out; 126 not executable; 127 not found; 128+n signal n. Settings: see the README.',
        '',
      ].join('\n'),
    );

  /** Adds the options every command takes and wires the action with a ready context. */
  const command = <O extends object>(
    name: string,
    description: string,
    example: string,
    build: (cmd: Command) => Command,
    action: (options: O & CommonOptions, ctx: CommandContext, args: string[]) => Promise<number>,
  ): Command => {
    const cmd = build(
      program
        .command(name)
        .description(description)
        .exitOverride()
        .configureOutput({ writeOut: deps.stdout, writeErr: deps.stderr }),
    )
      .option('--env-file <path>', 'read settings from this env file (default ./.env)')
      .option('--db <path>', 'SQLite database (default $STATE_DIRECTORY or ~/.local/state/backup-alert/)')
      .option('-v, --verbose', 'more log output (debug lines)')
      .option('-s, --silent', 'only errors in log output')
      .addOption(new Option('--log-format <format>', 'log line format').choices(['text', 'json']))
      .addHelpText('after', `\nExample:\n  ${example}\n`)
      .action(async function (this: Command) {
        const options = this.opts<O & CommonOptions>();
        const ctx = createContext(options, deps, lib);
        (this as Command & { exitCodeResult?: number }).exitCodeResult = await action(
          options,
          ctx,
          this.args,
        );
      });
    return cmd;
  };

  defineCommands(command, lib.commander, BACKUP_TYPES, deps.signals);

  return program;
}

function createContext(options: CommonOptions, deps: MainDeps, lib: Libraries): CommandContext {
  const { createLogger, loadConfig, resolveEnv, Store } = lib;
  const { env, envFile } = resolveEnv({ processEnv: deps.env, cwd: deps.cwd, envFileFlag: options.envFile });
  const { config, problems } = loadConfig(
    env,
    { db: options.db },
    { cwd: deps.cwd, defaultTemplateDir: deps.defaultTemplateDir, envFile },
  );
  const level = options.silent ? 'error' : options.verbose ? 'debug' : 'info';
  const logger = createLogger({
    write: deps.stderr,
    level,
    format: options.logFormat ?? 'text',
    file: config.logFile,
    now: deps.now,
  });
  logger.addSecrets(...config.secrets);
  const color = deps.stdoutIsTTY && !env['NO_COLOR'] && env['TERM'] !== 'dumb';
  const io: Io = {
    stdout: deps.stdout,
    stderr: deps.stderr,
    stdoutIsTTY: deps.stdoutIsTTY,
    color,
    stdoutStream: deps.stdoutStream ?? writableOf(deps.stdout),
    stderrStream: deps.stderrStream ?? writableOf(deps.stderr),
  };
  return {
    config,
    problems,
    env,
    processEnv: deps.env,
    cwd: deps.cwd,
    io,
    logger,
    now: deps.now,
    hostname: deps.hostname,
    username: deps.username,
    pid: deps.pid,
    openStore: () => Store.open(config.dbPath),
  };
}

function writableOf(write: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      write(chunk.toString('utf8'));
      callback();
    },
  });
}

/** The process entry: binds main() to the real process. The only place that exits. */
export function start(): void {
  const env = process.env;
  let username = env['SUDO_USER'] || env['USER'] || env['LOGNAME'] || '';
  if (!username) {
    try {
      username = userInfo().username;
    } catch {
      username = String(process.getuid?.() ?? 'unknown');
    }
  }
  // A reader that went away (EPIPE: `| head`, a closed terminal) must not kill a running
  // backup: the run is still recorded and its log file still has every line.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
  const deps: MainDeps = {
    env,
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    stdoutStream: process.stdout,
    stderrStream: process.stderr,
    now: () => new Date(),
    hostname: osHostname(),
    username,
    pid: process.pid,
    signals: {
      on: (signal, handler) => {
        process.on(signal, handler);
        return () => process.off(signal, handler);
      },
    },
    defaultTemplateDir: join(dirname(fileURLToPath(import.meta.url)), '..', 'templates'),
  };
  main(process.argv.slice(2), deps)
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(`backup-alert: internal error: ${errorMessage(error)}\n`);
        process.exitCode = ExitCode.internal;
      },
    )
    .finally(() => {
      // Our work is done. A library timer or socket left behind (nodemailer keeps its
      // greeting timer for 10-20 s after a connection closed before the greeting, and
      // run's SMTP check may still be waiting on a silent server) must not hold a cron
      // job open. Output still being written to a pipe is let through first.
      const exitWhenFlushed = () => {
        if (process.stdout.writableLength > 0 || process.stderr.writableLength > 0) {
          setTimeout(exitWhenFlushed, 50).unref();
          return;
        }
        process.exit();
      };
      setTimeout(exitWhenFlushed, EXIT_GRACE_MS).unref();
    });
}

/** Time given to polite endings (an SMTP QUIT being answered) once a command has finished. */
const EXIT_GRACE_MS = 500;
