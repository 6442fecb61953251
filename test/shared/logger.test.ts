import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { runMain } from '../helpers/cli.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

const NOW = new Date('2026-02-15T03:00:15.123Z');

describe('log lines', () => {
  it('start with the time when asked (output read later), as the runbook shows them otherwise', () => {
    const lines: string[] = [];
    const write = (line: string) => lines.push(line);
    createLogger({ write, now: () => NOW, timestamps: true }).error(
      'Backup',
      'Failed to send failure alert email: x',
    );
    createLogger({ write, now: () => NOW }).info('Backup', 'Failure alert email sent to a@b.c');
    createLogger({ write, now: () => NOW, timestamps: true, format: 'json' }).info('Backup', 'j');
    expect(lines).toEqual([
      '2026-02-15T03:00:15.123Z [ERROR] [Backup] Failed to send failure alert email: x\n',
      '[INFO] [Backup] Failure alert email sent to a@b.c\n',
      '{"time":"2026-02-15T03:00:15.123Z","level":"info","component":"Backup","message":"j"}\n',
    ]);
  });

  it('a run under cron (stderr not a terminal) stamps each line; a terminal and the journal do not', async () => {
    const dir = tempDir();
    const script = writeScript(dir, 'backup.sh', 'exit 3');
    const args = ['run', '--type', 'daily', '--script', script, '--db', `${dir}/x.db`];
    const line = '[ERROR] [Backup] Backup BKP-20260215-030015-daily (daily) failed';
    const cron = await runMain(args, { now: () => NOW });
    expect(cron.stderr).toContain(`2026-02-15T03:00:15.123Z ${line}`);
    const terminal = await runMain(args, { now: () => NOW, deps: { stderrIsTTY: true } });
    expect(terminal.stderr).toMatch(
      /^\[ERROR\] \[Backup\] Backup BKP-20260215-030015-daily-2 \(daily\) failed/m,
    );
    const journal = await runMain(args, { now: () => NOW, env: { JOURNAL_STREAM: '8:12345' } });
    expect(journal.stderr).toMatch(
      /^\[ERROR\] \[Backup\] Backup BKP-20260215-030015-daily-3 \(daily\) failed/m,
    );
  });
});
