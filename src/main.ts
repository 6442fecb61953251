import { hostname as osHostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MainDeps } from './context.js';
import { ExitError, errorMessage, InternalError, UsageError } from './shared/errors.js';
import { ExitCode } from './shared/exit-codes.js';
import { showControls } from './shared/terminal-text.js';
import { VERSION } from './shared/version.js';

export type { MainDeps } from './context.js';

/** Parses argv, runs one command, returns the exit code. Never calls process.exit. */
export async function main(argv: readonly string[], deps: MainDeps): Promise<number> {
  // Bare `--version` answers before anything is loaded: it is what package managers and
  // wrappers call, and commander would print exactly this (`${version}\n`, exit 0).
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    deps.stdout(`${VERSION}\n`);
    return ExitCode.ok;
  }
  // Imported on first use so that `--version` does not pay for commander, dotenv or SQLite.
  const [commander, { buildProgram }, { invoke }] = await Promise.all([
    import('commander'),
    import('./cli/program.js'),
    import('./cli/invoke.js'),
  ]);
  const { program, exitCode } = buildProgram(
    commander,
    deps,
    (spec, options, args) => invoke(spec, options, args, deps),
    argv,
  );
  try {
    await program.parseAsync(argv as string[], { from: 'user' });
    return exitCode();
  } catch (error) {
    if (error instanceof commander.CommanderError) {
      const help = ['commander.helpDisplayed', 'commander.version', 'commander.help'];
      return help.includes(error.code) ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof UsageError) {
      deps.stderr(`backup-alert: ${showControls(error.message)}\n`);
      return ExitCode.usage;
    }
    if (error instanceof ExitError) {
      deps.stderr(`backup-alert: ${showControls(error.message)}\n`);
      return error.exitCode;
    }
    const detail =
      error instanceof InternalError && error.cause
        ? `${error.message}: ${errorMessage(error.cause)}`
        : errorMessage(error);
    deps.stderr(
      `backup-alert: internal error: ${showControls(detail)}\nThis is a bug in backup-alert, please report it with the command you ran.\n`,
    );
    if (deps.env['BACKUP_ALERT_DEBUG'] && error instanceof Error && error.stack)
      deps.stderr(`${error.stack}\n`);
    return ExitCode.internal;
  }
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
    uid: process.getuid?.(),
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
