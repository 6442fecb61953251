import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsCommand } from '../../../src/commands/metrics.js';
import { commandContext } from '../../helpers/context.js';
import { samples } from '../../helpers/exposition-samples.js';
import { promtoolCheckMetrics } from '../../helpers/prometheus.js';
import { tempDir } from '../../helpers/tmp.js';

describe('backup-alert metrics', () => {
  it('the "never" series, before any database exists, pass promtool check metrics', async () => {
    const dbPath = join(tempDir(), 'state', 'backup-alert.db');
    const { ctx, out } = commandContext({ BACKUP_ALERT_DB: dbPath, BACKUP_ALERT_EMAIL: 'ops@example.com' });
    expect(await metricsCommand({ expectedTypes: ['daily', 'weekly'] }, ctx)).toBe(0);
    expect(samples(out.stdout, 'backup_alert_last_success_timestamp_seconds')).toHaveLength(2);
    expect(await promtoolCheckMetrics(out.stdout)).toEqual({ exitCode: 0, output: '' });
  });
});
