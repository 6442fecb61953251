import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runMain } from '../../helpers/cli.js';
import { samples } from '../../helpers/exposition-samples.js';
import { promtoolCheckMetrics } from '../../helpers/prometheus.js';
import { tempDir, writeScript } from '../../helpers/tmp.js';

describe('run: the metrics file it rewrites', () => {
  it('passes promtool check metrics after a success and after a failure', async () => {
    const dir = tempDir();
    const db = join(dir, 'x.db');
    const file = join(dir, 'backup-alert.prom');
    const env = { BACKUP_ALERT_METRICS_FILE: file };
    const ok = writeScript(dir, 'ok.sh', 'echo ok');
    expect((await runMain(['run', '--type', 'daily', '--script', ok, '--db', db], { env })).exitCode).toBe(0);
    const afterSuccess = readFileSync(file, 'utf8');
    expect(await promtoolCheckMetrics(afterSuccess)).toEqual({ exitCode: 0, output: '' });
    const fail = writeScript(dir, 'fail.sh', 'exit 5');
    expect((await runMain(['run', '--type', 'weekly', '--script', fail, '--db', db], { env })).exitCode).toBe(
      5,
    );
    const afterFailure = readFileSync(file, 'utf8');
    expect(samples(afterFailure, 'backup_alert_last_run_exit_code')).toHaveLength(2);
    expect(await promtoolCheckMetrics(afterFailure)).toEqual({ exitCode: 0, output: '' });
  });
});
