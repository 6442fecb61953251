import { accessSync, constants, createWriteStream, statSync, type WriteStream } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Writable } from 'node:stream';
import type { Env } from '../config/env-source.js';
import { errorCode, errorMessage } from '../shared/errors.js';
import { outputCollector } from './output-gc.js';
import { lastNonEmptyLine, OutputTail } from './output-tail.js';
import { pump } from './pump.js';
import type { ForwardedSignal, SignalLatch } from './signals.js';

export const OUTPUT_TAIL_BYTES = 64 * 1024;
const STDERR_TAIL_BYTES = 8 * 1024;
const LOG_BUFFER_BYTES = 1024 * 1024;
/** After the script exits, output still held open by an orphan for this long (no data) is given up on. */
const ORPHAN_IDLE_MS = 2_000;

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
  /** Subscribed before anything starts; see SignalLatch. */
  signals: SignalLatch;
  now?: () => number;
}

/** The script's outcome as data: a failed backup is not an exception. */
export interface RunnerResult {
  /** Set when the script could not be started at all. */
  startError?: 'not-found' | 'not-executable' | 'spawn-failed';
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

/**
 * Runs the script without a shell in its own process group, streaming its output
 * to our streams and the log file with backpressure and keeping only a bounded tail.
 */
export async function runScript(options: RunnerOptions): Promise<RunnerResult> {
  const now = options.now ?? Date.now;
  const started = now();
  const base = {
    exitCode: null,
    signal: null,
    timedOut: false,
    interruptedBy: null,
    outputTail: '',
    outputBytes: 0,
  };
  if (options.signals.received) {
    // Told to stop before the script started: do not start it.
    return { ...base, interruptedBy: options.signals.received, durationMs: 0, lastStderrLine: undefined };
  }
  const startError = checkScript(options.script);
  if (startError) return { ...base, startError, durationMs: now() - started, lastStderrLine: undefined };

  const tail = new OutputTail(OUTPUT_TAIL_BYTES);
  const stderrTail = new OutputTail(STDERR_TAIL_BYTES);
  let logError: string | undefined;
  let log: WriteStream | null = null;
  if (options.logPath) {
    // A 1 MiB buffer rather than the default 16 KiB: every pipe read is up to 64 KiB, so the
    // default made write() report "full" on each chunk and paused and resumed the script's
    // pipe for every one of them (~35% of the time of a large output). Still bounded.
    log = createWriteStream(options.logPath, { flags: 'a', mode: 0o600, highWaterMark: LOG_BUFFER_BYTES });
    log.on('error', (error) => {
      logError = errorMessage(error);
      log = null;
    });
  }

  // execa (the design's fixed stack) with its extras off: no shell, no buffering (output
  // volume must never grow our memory), failures returned as data; exit, signals and
  // streams are handled here. Its cost is measured in docs/performance.md.
  // Loaded here, not at the top: status and history share run's chunk and must not pay for it.
  const { execa } = await import('execa');
  const child = execa(options.script, [...options.args], {
    cwd: options.cwd,
    env: options.env as Record<string, string>,
    extendEnv: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    // Own process group (setsid): signals reach the script and everything it started.
    detached: true,
    cleanup: false,
    stripFinalNewline: false,
  });

  let timedOut = false;
  let interruptedBy: ForwardedSignal | null = null;
  let terminating = false;
  let killTimer: NodeJS.Timeout | undefined;
  const killGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // Group already gone.
    }
  };
  const terminate = () => {
    if (terminating) return;
    terminating = true;
    killGroup('SIGTERM');
    killTimer = setTimeout(() => killGroup('SIGKILL'), options.killAfterMs);
  };
  const timeoutTimer =
    options.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          terminate();
        }, options.timeoutMs)
      : undefined;
  const onSignal = (signal: ForwardedSignal) => {
    if (interruptedBy === null && !timedOut) interruptedBy = signal;
    if (!terminating) {
      // Forward the signal we got, then escalate like a timeout.
      terminating = true;
      killGroup(signal);
      killTimer = setTimeout(() => killGroup('SIGKILL'), options.killAfterMs);
    }
  };
  options.signals.onSignal(onSignal);
  // A signal that arrived while the script was still being spawned is acted on now.
  if (options.signals.received) onSignal(options.signals.received);

  let lastData = now();
  const sinks = (own: Writable | null) => [own, log].filter((sink): sink is Writable => sink !== null);
  const collect = outputCollector();
  const pumped = [
    pump(
      child.stdout,
      () => sinks(options.stdout),
      (chunk) => {
        tail.push(chunk);
        collect(chunk.length);
        lastData = now();
      },
    ),
    pump(
      child.stderr,
      () => sinks(options.stderr),
      (chunk) => {
        tail.push(chunk);
        stderrTail.push(chunk);
        collect(chunk.length);
        lastData = now();
      },
    ),
  ];

  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: unknown }>(
    (resolve) => {
      child.once('exit', (code, signal) => resolve({ code, signal }));
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
    },
  );
  if (timeoutTimer) clearTimeout(timeoutTimer);

  if (terminating && child.pid !== undefined) {
    // The leader is gone; anything left in its group ignored SIGTERM. Give it the rest of the grace.
    await waitForGroupExit(child.pid, options.killAfterMs);
    killGroup('SIGKILL');
  }
  if (killTimer) clearTimeout(killTimer);

  // Output held open by a leftover background process must not hang a cron job forever.
  await Promise.race([
    Promise.all(pumped),
    new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (now() - lastData >= ORPHAN_IDLE_MS) {
          clearInterval(check);
          child.stdout?.destroy();
          child.stderr?.destroy();
          resolve();
        }
      }, 250);
      void Promise.all(pumped).then(() => {
        clearInterval(check);
        resolve();
      });
    }),
  ]);
  await child.catch(() => undefined);
  options.signals.onSignal(undefined);
  if (log) await new Promise<void>((resolve) => log!.end(resolve));

  const result: RunnerResult = {
    exitCode: exit.code,
    signal: exit.signal,
    timedOut,
    interruptedBy,
    durationMs: now() - started,
    outputTail: tail.text(),
    lastStderrLine: lastNonEmptyLine(stderrTail.text()),
    outputBytes: tail.totalBytes,
    ...(logError ? { logError } : {}),
  };
  if (exit.error !== undefined) {
    const code = errorCode(exit.error);
    result.startError =
      code === 'ENOENT' ? 'not-found' : code === 'EACCES' ? 'not-executable' : 'spawn-failed';
    result.startErrorDetail = errorMessage(exit.error);
  }
  return result;
}

async function waitForGroupExit(pgid: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
