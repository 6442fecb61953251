import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../helpers/cli.js';
import { scriptedServer } from '../helpers/http.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

/** What `retry` may send Alertmanager: open incidents' alerts, never a firing one after the close. */

interface Posted {
  labels: Record<string, string>;
  endsAt: string;
}

describe('alertmanager re-sends', () => {
  it('a firing alert left pending is not re-sent once the incident closed (the recovery ended it)', async () => {
    const dir = tempDir();
    const am = await scriptedServer([{ status: 503 }]);
    const env = {
      NODE_ENV: 'test',
      BACKUP_ALERT_DB: join(dir, 'state.db'),
      BACKUP_ALERT_ALERTMANAGER_URL: new URL(am.url).origin,
      BACKUP_ALERT_NOTIFY_TIMEOUT: '2s',
    };
    const failed = await runMain(['run', '--type', 'daily', '--script', writeScript(dir, 'f.sh', 'exit 1')], {
      env,
    });
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toContain('Failed to send failure alert to Alertmanager');
    // Still down when the backup succeeds: the firing alert and the recovery both wait.
    const ok = await runMain(['run', '--type', 'daily', '--script', writeScript(dir, 'o.sh', 'exit 0')], {
      env,
    });
    expect(ok.exitCode).toBe(0);
    am.script([{ status: 200 }]);
    const before = am.requests.length;
    const retry = await runMain(['retry'], { env });
    expect(retry.stdout).toMatch(/not re-sent: incident #\d+ closed/);
    const after = am.requests.slice(before).flatMap((request) => JSON.parse(request.body) as Posted[]);
    const firing = after.filter((alert) => Date.parse(alert.endsAt) > Date.now());
    expect(firing).toEqual([]);
    // The recovery (its end) did go out.
    expect(after.map((alert) => alert.labels['alertname'])).toContain('BackupFailed');
  });
});
