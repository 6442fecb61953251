import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa, type ResultPromise } from 'execa';
import { inject } from 'vitest';
import { type MainDeps, main } from '../../src/main.js';
import type { ForwardedSignal, SignalSource } from '../../src/runner/signals.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'backup-alert.js');
export const TEMPLATES = join(ROOT, 'templates');

/**
 * The CLI as another user runs it (the permission tests run it as `nobody` when they are
 * root). A checkout under a directory closed to other users (a clone in `mktemp -d`, 0700)
 * cannot be entered by `nobody`, so as root this is the copy the global setup made in the
 * temp directory (test/setup/reachable-copies.ts); otherwise the checkout's own bin.
 */
export function cliForOtherUsers(): { bin: string; cwd: string } {
  const bin = inject('cliBinForOtherUsers') || BIN;
  return { bin, cwd: dirname(dirname(bin)) };
}

/** An environment with nothing from the developer's machine leaking in. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    ...extra,
  };
}

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Spawns the built CLI exactly as cron would: no TTY, no stdin, a plain environment. */
export function spawnCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; timeout?: number } = {},
): ResultPromise<{ reject: false; stripFinalNewline: false; extendEnv: false; stdin: 'ignore' }> {
  // The bin itself, through its shebang: exactly what cron and systemd execute.
  return execa(BIN, args, {
    reject: false,
    stripFinalNewline: false,
    extendEnv: false,
    env: cleanEnv(options.env),
    cwd: options.cwd ?? ROOT,
    stdin: 'ignore',
    timeout: options.timeout ?? 60_000,
  });
}

export async function runCli(
  args: string[],
  options: { env?: Record<string, string | undefined>; cwd?: string; timeout?: number } = {},
): Promise<CliResult> {
  const result = await spawnCli(args, options);
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/**
 * Our log lines in `stderr`, without the time stamp they start with when stderr is not a
 * terminal (as in tests and under cron): `[WARN] [Routing] …`.
 */
export function logLines(stderr: string): string[] {
  return stderr.split('\n').map((line) => line.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z (?=\[)/, ''));
}

/** A SignalSource tests can fire. */
export function fakeSignals(): SignalSource & { emit(signal: ForwardedSignal): void } {
  const handlers = new Map<ForwardedSignal, Set<(signal: ForwardedSignal) => void>>();
  return {
    on(signal, handler) {
      const set = handlers.get(signal) ?? new Set();
      set.add(handler);
      handlers.set(signal, set);
      return () => set.delete(handler);
    },
    emit(signal) {
      for (const handler of handlers.get(signal) ?? []) handler(signal);
    },
  };
}

/** Runs main() in-process with captured output. */
export async function runMain(
  args: string[],
  options: {
    env?: Record<string, string | undefined>;
    cwd?: string;
    now?: () => Date;
    deps?: Partial<MainDeps>;
  } = {},
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const exitCode = await main(args, {
    env: cleanEnv(options.env),
    cwd: options.cwd ?? ROOT,
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    now: options.now ?? (() => new Date()),
    hostname: 'test-host',
    username: 'tester',
    pid: process.pid,
    signals: fakeSignals(),
    defaultTemplateDir: TEMPLATES,
    ...options.deps,
  });
  return { exitCode, stdout, stderr };
}
