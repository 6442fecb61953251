import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { readNotifications, readRuns } from '../helpers/db.js';
import { scriptedServer } from '../helpers/http.js';
import { expectNoSecrets } from '../helpers/secrets.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

// An environment string over Linux's 128 KiB (MAX_ARG_STRLEN) makes exec fail with E2BIG.
// spawn then throws at once and execa returns a stand-in child that never emits 'exit':
// the run used to wait forever (with a --timeout armed) or end silently with exit 0 and
// the row left `running`. Bounded by the test's own timeout, never a hang of the suite.

const VALUE_MARK = 'do-not-print-me-';
const bigValue = (bytes: number) => VALUE_MARK.repeat(Math.ceil(bytes / VALUE_MARK.length)).slice(0, bytes);

describe('run: an environment too large for exec (E2BIG)', () => {
  it('fails fast, recorded and alerted, exit 126, naming the variable but never its value', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const webhook = await scriptedServer([{ status: 200 }]);
    const script = writeScript(dir, 'ok.sh', 'echo ran > "$(dirname "$0")/ran"');
    const started = Date.now();
    const result = await runMain(
      ['run', '--type', 'daily', '--timeout', '1h', '--script', script, '--db', db],
      { env: { BACKUP_ALERT_WEBHOOK_URL: webhook.url, HUGE_SETTING: bigValue(200_000) } },
    );
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(result.exitCode).toBe(126);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    const [row] = readRuns(db);
    expect(row).toMatchObject({
      status: 'failure',
      exit_code: 126,
      error_message:
        'Backup script could not be started: the environment variable HUGE_SETTING (200,014 bytes) is too large (Linux allows 131,072 bytes per variable) (E2BIG)',
    });
    expect(result.stderr).toContain('HUGE_SETTING');
    expect(webhook.requests).toHaveLength(1);
    expect(webhook.requests[0]!.body).toContain('HUGE_SETTING');
    expect(readNotifications(db).map((n) => n.status)).toEqual(['sent']);
    // The lock was let go: nothing is left in the locks directory.
    expect(readdirSync(join(dir, 'locks')).filter((name) => !name.startsWith('.'))).toEqual([]);
    expectNoSecrets(
      [
        result.stdout,
        result.stderr,
        JSON.stringify(readRuns(db)),
        webhook.requests[0]!.body,
        readFileSync(db, 'latin1'),
      ],
      [VALUE_MARK],
    );
  }, 20_000);

  it('names an argument too large, and the total when no single string is', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const script = writeScript(dir, 'ok.sh', 'exit 0');
    const arg = await runMain([
      'run',
      '--type',
      'manual',
      '--script',
      script,
      '--db',
      db,
      '--',
      'a',
      bigValue(140_000),
    ]);
    expect(arg.exitCode).toBe(126);
    // Under ARG_MAX for one string each, over it together (a quarter of an 8 MiB stack,
    // 6 MiB at most whatever the stack limit): 64 variables of 100 KB.
    const many = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`PART_${i}`, bigValue(100_000)]));
    const total = await runMain(['run', '--type', 'manual', '--script', script, '--db', db], { env: many });
    expect(total.exitCode).toBe(126);
    const messages = readRuns(db).map((row) => row.error_message);
    expect(messages[0]).toBe(
      'Backup script could not be started: argument 2 after -- is too large (140,001 bytes; Linux allows 131,072 per argument) (E2BIG)',
    );
    expect(messages[1]).toMatch(
      /^Backup script could not be started: its environment and arguments together are too large \([\d,]+ bytes in \d+ variables and 1 argument; the largest variable is PART_\d+, 100,00\d bytes\) \(E2BIG\)$/,
    );
    expectNoSecrets([JSON.stringify(readRuns(db)), arg.stderr, total.stderr], [VALUE_MARK]);
  }, 20_000);
});
