import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { Redactor } from '../../src/shared/redact.js';
import { runMain } from '../helpers/cli.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

describe('logger', () => {
  it('writes the runbook §9.2 shape and masks every registered secret, in text and JSON', () => {
    const lines: string[] = [];
    const redactor = new Redactor(['s3cret-pass', 'https://hooks.slack.com/services/T/B/tok'], []);
    const text = createLogger({ write: (line) => lines.push(line), redactor });
    text.error('Backup', 'Failed: auth s3cret-pass to https://hooks.slack.com/services/T/B/tok refused');
    expect(lines[0]).toBe('[ERROR] [Backup] Failed: auth *** to *** refused\n');
    const json = createLogger({
      write: (line) => lines.push(line),
      redactor,
      format: 'json',
      now: () => new Date(0),
    });
    json.info('EmailService', 'password s3cret-pass');
    expect(JSON.parse(lines[1]!)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      component: 'EmailService',
      message: 'password ***',
    });
  });

  it('does not mask values shorter than 4 characters (they would eat ordinary words)', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), redactor: new Redactor(['ab'], []) });
    logger.info('X', 'about tab');
    expect(lines[0]).toBe('[INFO] [X] about tab\n');
  });
});

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
