import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Outcome, outcomeOf } from '../../src/run/outcome.js';
import type { RunnerResult } from '../../src/runner/runner.js';
import { runMain } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { tempDir } from '../helpers/tmp.js';

const SCRIPT = '/opt/backup/backup.sh';

function result(overrides: Partial<RunnerResult>): RunnerResult {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    interruptedBy: null,
    durationMs: 1234,
    outputTail: '',
    lastStderrLine: undefined,
    outputBytes: 0,
    ...overrides,
  };
}

describe('outcomeOf (DESIGN.md "run" 5 and 8)', () => {
  it.each<[string, Partial<RunnerResult>, string | undefined, Outcome]>([
    [
      'success',
      { exitCode: 0 },
      undefined,
      { status: 'success', errorMessage: null, exitCode: 0, signal: null },
    ],
    [
      'success ignores a stray stderr line',
      { exitCode: 0, lastStderrLine: 'warning: something' },
      undefined,
      { status: 'success', errorMessage: null, exitCode: 0, signal: null },
    ],
    [
      'exit 3 with a stderr line',
      { exitCode: 3, lastStderrLine: 'pg_dump: error: connection refused' },
      undefined,
      {
        status: 'failure',
        errorMessage: 'Backup script failed with exit code 3: pg_dump: error: connection refused',
        exitCode: 3,
        signal: null,
      },
    ],
    [
      'exit 3 without a stderr line',
      { exitCode: 3 },
      undefined,
      { status: 'failure', errorMessage: 'Backup script failed with exit code 3', exitCode: 3, signal: null },
    ],
    [
      'exit 1 with an empty stderr line',
      { exitCode: 1, lastStderrLine: '' },
      undefined,
      { status: 'failure', errorMessage: 'Backup script failed with exit code 1', exitCode: 1, signal: null },
    ],
    [
      'not found',
      { startError: 'not-found' },
      undefined,
      {
        status: 'failure',
        errorMessage: `Backup script not found: ${SCRIPT}`,
        exitCode: 127,
        signal: null,
      },
    ],
    [
      'not executable',
      { startError: 'not-executable' },
      undefined,
      {
        status: 'failure',
        errorMessage: `Backup script is not executable: ${SCRIPT}`,
        exitCode: 126,
        signal: null,
      },
    ],
    [
      'timed out (killed by the SIGKILL after the grace period)',
      { timedOut: true, signal: 'SIGKILL' },
      '4h',
      {
        status: 'failure',
        errorMessage: 'Backup script timed out after 4h',
        exitCode: 124,
        signal: 'SIGKILL',
      },
    ],
    [
      'timed out (ended by the SIGTERM)',
      { timedOut: true, signal: 'SIGTERM' },
      '90s',
      {
        status: 'failure',
        errorMessage: 'Backup script timed out after 90s',
        exitCode: 124,
        signal: 'SIGTERM',
      },
    ],
    [
      'timed out although the script then exited 0 on SIGTERM',
      { timedOut: true, exitCode: 0 },
      '15m',
      { status: 'failure', errorMessage: 'Backup script timed out after 15m', exitCode: 124, signal: null },
    ],
    [
      'interrupted by SIGTERM',
      { interruptedBy: 'SIGTERM', signal: 'SIGTERM' },
      undefined,
      {
        status: 'failure',
        errorMessage: 'Backup script was interrupted by SIGTERM',
        exitCode: 143,
        signal: 'SIGTERM',
      },
    ],
    [
      'interrupted by SIGINT (the script exited on its own)',
      { interruptedBy: 'SIGINT', exitCode: 1 },
      undefined,
      {
        status: 'failure',
        errorMessage: 'Backup script was interrupted by SIGINT',
        exitCode: 130,
        signal: 'SIGINT',
      },
    ],
    [
      'interrupted by SIGHUP',
      { interruptedBy: 'SIGHUP', signal: 'SIGHUP' },
      undefined,
      {
        status: 'failure',
        errorMessage: 'Backup script was interrupted by SIGHUP',
        exitCode: 129,
        signal: 'SIGHUP',
      },
    ],
    [
      'interrupted by SIGTERM, SIGKILLed after the grace period',
      { interruptedBy: 'SIGTERM', signal: 'SIGKILL' },
      undefined,
      {
        status: 'failure',
        errorMessage: 'Backup script was interrupted by SIGTERM',
        exitCode: 143,
        signal: 'SIGKILL',
      },
    ],
    [
      'killed by SIGKILL (e.g. the OOM killer)',
      { signal: 'SIGKILL' },
      undefined,
      {
        status: 'failure',
        errorMessage: 'Backup script was killed by SIGKILL',
        exitCode: 137,
        signal: 'SIGKILL',
      },
    ],
    [
      'killed by SIGSEGV',
      { signal: 'SIGSEGV' },
      undefined,
      {
        status: 'failure',
        errorMessage: 'Backup script was killed by SIGSEGV',
        exitCode: 139,
        signal: 'SIGSEGV',
      },
    ],
  ])('%s', (_name, overrides, timeoutLabel, expected) => {
    expect(outcomeOf(SCRIPT, result(overrides), timeoutLabel)).toEqual(expected);
  });

  it('a failure to start for another reason is a failure with 126 and the detail', () => {
    const outcome = outcomeOf(
      SCRIPT,
      result({ startError: 'spawn-failed', startErrorDetail: 'E2BIG: argument list too long' }),
      undefined,
    );
    expect(outcome).toEqual({
      status: 'failure',
      errorMessage: 'Backup script could not be started: E2BIG: argument list too long',
      exitCode: 126,
      signal: null,
    });
  });

  it('no exit code and no signal is never reported as a success', () => {
    const outcome = outcomeOf(SCRIPT, result({}), undefined);
    expect(outcome.status).toBe('failure');
    expect(outcome.exitCode).not.toBe(0);
  });
});

describe('a script whose #! interpreter is missing (a real spawn)', () => {
  it('names the interpreter, not the script that is right there: exit 127', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    const script = join(dir, 'backup.sh');
    writeFileSync(script, '#!/usr/bin/nonexistent-shell -e\necho never\n');
    chmodSync(script, 0o755);
    const result = await runMain(['run', '--type', 'daily', '--script', script, '--db', db]);
    expect(result.exitCode).toBe(127);
    const message = `Backup script's interpreter not found: /usr/bin/nonexistent-shell (the #! line of ${script})`;
    expect(readRuns(db)[0]).toMatchObject({ error_message: message, exit_code: 127 });
    expect(result.stderr).toContain(message);
  });

  it('an interpreter that is not executable: exit 126, named', async () => {
    const dir = tempDir();
    const interpreter = join(dir, 'my-shell');
    writeFileSync(interpreter, 'not a program');
    chmodSync(interpreter, 0o644);
    const script = join(dir, 'backup.sh');
    writeFileSync(script, `#!${interpreter}\n`);
    chmodSync(script, 0o755);
    const result = await runMain(['run', '--type', 'daily', '--script', script, '--db', join(dir, 'x.db')]);
    expect(result.exitCode).toBe(126);
    expect(result.stderr).toContain(
      `Backup script's interpreter is not executable: ${interpreter} (the #! line of ${script})`,
    );
  });
});
