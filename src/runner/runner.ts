import { accessSync, closeSync, constants, openSync, readSync, statSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import type { Env } from '../config/env-source.js';
import { errorCode, errorMessage } from '../shared/errors.js';
import { explainTooLarge } from '../shared/exec-limits.js';
import { OutputCapture } from './capture.js';
import { lastNonEmptyLine } from './output-tail.js';
import type { ForwardedSignal, SignalLatch } from './signals.js';
import { GroupTerminator } from './terminate.js';

export { OUTPUT_TAIL_BYTES } from './capture.js';

export interface RunnerOptions {
  script: string;
  args: readonly string[];
  /** The child's whole environment. */
  env: Env;
  cwd: string;
  timeoutMs?: number;
  killAfterMs: number;
  /** Our own streams; null = do not echo (quiet mode). */
  stdout: Writable | null;
  stderr: Writable | null;
  /** Per-run log file; null = none. */
  logPath: string | null;
  /** Applied to what goes into the log file, by whole lines (BACKUP_ALERT_REDACT); none = as printed. */
  redactLog?: (text: string) => string;
  /** Subscribed before anything starts; see SignalLatch. */
  signals: SignalLatch;
  now?: () => number;
  /** Told the script's PID (= its process group) as soon as it is spawned. */
  onSpawn?: (pid: number) => void;
}

/** The script's outcome as data: a failed backup is not an exception (execa's `reject: false`). */
export interface RunnerResult {
  /** Set when the script could not be started at all. */
  startError?:
    | 'not-found'
    | 'not-executable'
    | 'interpreter-not-found'
    | 'interpreter-not-executable'
    | 'spawn-failed';
  /** The spawn error; for an interpreter problem, the interpreter named by the `#!` line. */
  startErrorDetail?: string;
  exitCode: number | null;
  /** Signal that ended the script (e.g. SIGKILL), if any. */
  signal: string | null;
  timedOut: boolean;
  /** A signal we received and forwarded. */
  interruptedBy: ForwardedSignal | null;
  durationMs: number;
  outputTail: string;
  lastStderrLine: string | undefined;
  outputBytes: number;
  /** Why the log file could not be written, if it could not. */
  logError?: string;
}

/** Checks what spawn would report less clearly, so the message names the real problem. */
export function checkScript(script: string): RunnerResult['startError'] | undefined {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(script);
  } catch {
    return 'not-found';
  }
  if (!stats.isFile()) return 'not-executable';
  try {
    accessSync(script, constants.X_OK);
  } catch {
    return 'not-executable';
  }
  return undefined;
}

export function signalNumber(signal: string): number {
  return (osConstants.signals as Record<string, number | undefined>)[signal] ?? 0;
}

const NOT_RUN = {
  exitCode: null,
  signal: null,
  timedOut: false,
  interruptedBy: null,
  outputTail: '',
  outputBytes: 0,
};

/**
 * Runs the script without a shell in its own process group: refuse early (told to
 * stop, or nothing runnable) → spawn → watch the clock and our signals → copy the
 * output → wait for the exit → end what is left of the group → the result.
 */
export async function runScript(options: RunnerOptions): Promise<RunnerResult> {
  const now = options.now ?? Date.now;
  const started = now();
  if (options.signals.received) {
    // Told to stop before the script started: do not start it.
    return { ...NOT_RUN, interruptedBy: options.signals.received, durationMs: 0, lastStderrLine: undefined };
  }
  const startError = checkScript(options.script);
  if (startError) return { ...NOT_RUN, startError, durationMs: now() - started, lastStderrLine: undefined };

  const output = new OutputCapture({
    logPath: options.logPath,
    now,
    redact: options.redactLog,
    quiet: options.stdout === null && options.stderr === null,
  });
  // Wrapped: awaiting a bare execa child would wait for the script to end.
  const { child } = await spawnScript(options, output.directFd);
  if (child.pid !== undefined) options.onSpawn?.(child.pid);
  const terminator = new GroupTerminator(child.pid, options.killAfterMs);
  terminator.armTimeout(options.timeoutMs);
  options.signals.onSignal((signal) => terminator.onSignal(signal));
  // A signal that arrived while the script was still being spawned is acted on now.
  if (options.signals.received) terminator.onSignal(options.signals.received);
  output.follow(child.stdout, options.stdout, false);
  output.follow(child.stderr, options.stderr, true);

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: unknown }>(
    (resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      // When spawn throws at once (E2BIG: an environment too large for exec), execa hands
      // back a stand-in that never emits 'exit' or 'error', only its result: without this
      // the run waited forever (or, with no timer left, Node quietly exited 0, row `running`).
      if (child.pid === undefined) {
        void child.then((result) => {
          if (result.failed) resolve({ code: null, signal: null, error: result.cause ?? result });
        });
      }
    },
  );
  await terminator.finish();
  await output.drain(() => {
    child.stdout?.destroy();
    child.stderr?.destroy();
  });
  await child.catch(() => undefined);
  options.signals.onSignal(undefined);
  await output.close();

  const result: RunnerResult = {
    exitCode: exit.code,
    signal: exit.signal,
    timedOut: terminator.timedOut,
    interruptedBy: terminator.interruptedBy,
    durationMs: now() - started,
    outputTail: output.tail.text(),
    lastStderrLine: lastNonEmptyLine(output.stderrTail.text()),
    outputBytes: output.tail.totalBytes,
    ...(output.logError ? { logError: output.logError } : {}),
  };
  if (exit.error !== undefined) Object.assign(result, startFailure(options, exit.error));
  return result;
}

/**
 * Why spawn failed. The script itself was checked before (it exists and is executable),
 * so ENOENT or EACCES from exec means its `#!` interpreter is missing or not executable:
 * name that, not the script ("Backup script not found" about a file that is right there).
 * E2BIG names the environment variable or argument too large for exec, never its value.
 */
function startFailure(
  { script, args, env }: RunnerOptions,
  error: unknown,
): Pick<RunnerResult, 'startError' | 'startErrorDetail'> {
  const code = errorCode(error);
  if (code === 'E2BIG') {
    return { startError: 'spawn-failed', startErrorDetail: explainTooLarge(script, args, env) };
  }
  const interpreter = code === 'ENOENT' || code === 'EACCES' ? shebangInterpreter(script) : undefined;
  if (interpreter !== undefined) {
    return {
      startError: code === 'ENOENT' ? 'interpreter-not-found' : 'interpreter-not-executable',
      startErrorDetail: interpreter,
    };
  }
  const startError = code === 'ENOENT' ? 'not-found' : code === 'EACCES' ? 'not-executable' : 'spawn-failed';
  return { startError, startErrorDetail: errorMessage(error) };
}

/** The interpreter a `#!` line names (`/usr/bin/env` for `#!/usr/bin/env bash`), if there is one. */
export function shebangInterpreter(script: string): string | undefined {
  let head: string;
  try {
    const fd = openSync(script, 'r');
    try {
      const buffer = Buffer.alloc(256);
      head = buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const match = /^#!\s*(\S+)/.exec(head);
  return match?.[1];
}

/**
 * execa (the design's fixed stack) with its extras off: no shell, no buffering (output
 * volume must never grow our memory), failures returned as data; exit, signals and
 * streams are handled here. Loaded on first spawn: status and history must not pay for it.
 */
async function spawnScript(options: RunnerOptions, stdoutFd: number | undefined) {
  const { execa } = await import('execa');
  const child = execa(options.script, [...options.args], {
    cwd: options.cwd,
    env: options.env as Record<string, string>,
    extendEnv: false,
    stdin: 'ignore',
    // --quiet: straight into the log file, no copy through us (see OutputCapture). execa's
    // types list descriptors 3-9 only, but any open one is handed to spawn as it is
    // (execa/lib/stdio/native.js): the child gets our log file's descriptor.
    stdout: stdoutFd === undefined ? 'pipe' : (stdoutFd as 3),
    stderr: 'pipe',
    buffer: false,
    reject: false,
    // Own process group (setsid): signals reach the script and everything it started.
    detached: true,
    cleanup: false,
    stripFinalNewline: false,
  });
  return { child };
}
