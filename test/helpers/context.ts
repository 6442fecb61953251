import { PassThrough } from 'node:stream';
import { createContext } from '../../src/cli/invoke.js';
import type { CommandContext, MainDeps } from '../../src/context.js';
import { fakeSignals, TEMPLATES } from './cli.js';
import { tempDir } from './tmp.js';

export interface TestContext {
  ctx: CommandContext;
  /** What the command printed so far. */
  out: { stdout: string; stderr: string };
}

/**
 * A command's context built exactly as the CLI builds it (settings from `env`,
 * the logger, the redactor), with its output captured: for calling a command
 * function directly instead of through argv.
 */
export function commandContext(
  env: Record<string, string | undefined>,
  overrides: Partial<MainDeps> & { cwd?: string } = {},
): TestContext {
  const out = { stdout: '', stderr: '' };
  const deps: MainDeps = {
    env,
    cwd: overrides.cwd ?? tempDir(),
    stdout: (text) => {
      out.stdout += text;
    },
    stderr: (text) => {
      out.stderr += text;
    },
    stdoutIsTTY: false,
    stderrIsTTY: false,
    stdoutStream: new PassThrough(),
    stderrStream: new PassThrough(),
    now: () => new Date('2026-03-02T00:00:00.000Z'),
    hostname: 'db1',
    username: 'tester',
    pid: process.pid,
    signals: fakeSignals(),
    defaultTemplateDir: TEMPLATES,
    ...overrides,
  };
  return { ctx: createContext({}, deps), out };
}
