import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderExposition } from '../../../src/metrics/exposition.js';
import { neverRan } from '../../../src/metrics/snapshot.js';
import { ROOT } from '../../helpers/cli.js';
import { promtool } from '../../helpers/prometheus.js';
import { tempDir } from '../../helpers/tmp.js';

const DIR = join(ROOT, 'examples', 'prometheus');
const RULES = readFileSync(join(DIR, 'backup-alert.rules.yml'), 'utf8');

describe('the shipped Prometheus rules', () => {
  it('are valid rules and a valid example configuration', async () => {
    const rules = await promtool(['check', 'rules', 'backup-alert.rules.yml'], DIR);
    expect(rules.output).toContain('SUCCESS: 8 rules found');
    expect(rules.exitCode).toBe(0);
    const config = await promtool(['check', 'config', 'prometheus.yml'], DIR);
    expect(config.exitCode).toBe(0);
  });

  it('pass their unit tests (promtool test rules)', async () => {
    const result = await promtool(['test', 'rules', 'backup-alert.rules.test.yml'], DIR);
    expect(result.output).toContain('SUCCESS');
    expect(result.exitCode).toBe(0);
  });

  it('have unit tests that fail when a rule is wrong', async () => {
    // A BackupFailed that also fires for types that never ran: the tests must notice.
    const dir = tempDir();
    copyFileSync(join(DIR, 'backup-alert.rules.test.yml'), join(dir, 'backup-alert.rules.test.yml'));
    writeFileSync(
      join(dir, 'backup-alert.rules.yml'),
      RULES.replace(
        'backup_alert_last_run_success == 0 and backup_alert_last_run_timestamp_seconds > 0',
        'backup_alert_last_run_success == 0',
      ),
    );
    const result = await promtool(['test', 'rules', 'backup-alert.rules.test.yml'], dir);
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain('alertname: BackupFailed');
  });

  it('use only metric names the exposition has', () => {
    const exposed = new Set(
      renderExposition({
        version: '0',
        types: [
          {
            ...neverRan('daily'),
            lastRun: { status: 'success', finishedAtMs: 1, durationMs: 1, exitCode: 0, artifactBytes: 1 },
          },
        ],
        notifications: [{ pending: 0, delivered: [{ channel: 'email', status: 'sent', count: 0 }] }],
      })
        .split('\n')
        .filter((line) => line.startsWith('# TYPE '))
        .map((line) => line.split(' ')[2]),
    );
    const used = [...new Set(RULES.match(/backup_alert_[a-z_]+/g))].filter(
      (name) => name !== 'backup_alert_',
    );
    expect(used.length).toBeGreaterThan(4);
    for (const name of used) expect(exposed).toContain(name);
  });
});
