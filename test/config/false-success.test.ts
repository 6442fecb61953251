import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { ConfigProblem } from '../../src/config/values.js';

const load = (env: Record<string, string>) =>
  loadConfig({ BACKUP_ALERT_DB: ':memory:', ...env }, {}, { cwd: '/tmp', defaultTemplateDir: 'templates' });

describe('false-success settings', () => {
  it('defaults: no artifact, no minimum duration, drop 50 %, growth off', () => {
    const { config, problems } = load({});
    expect(config.falseSuccess).toEqual({
      artifacts: [],
      minDurationMs: undefined,
      sizeDropPercent: 50,
      sizeGrowthPercent: null,
    });
    expect(problems).toEqual([]);
  });

  it('reads every variable', () => {
    const { config } = load({
      BACKUP_ALERT_ARTIFACT: '/var/backups/db-*.dump, /var/backups/etc.tar',
      BACKUP_ALERT_MIN_DURATION: '5m',
      BACKUP_ALERT_SIZE_DROP: '30 %',
      BACKUP_ALERT_SIZE_GROWTH: '200%',
    });
    expect(config.falseSuccess).toMatchObject({
      artifacts: ['/var/backups/db-*.dump', '/var/backups/etc.tar'],
      minDurationMs: 300_000,
      sizeDropPercent: 30,
      sizeGrowthPercent: 200,
    });
    expect(
      load({ BACKUP_ALERT_SIZE_DROP: 'off', BACKUP_ALERT_SIZE_GROWTH: 'OFF' }).config.falseSuccess,
    ).toMatchObject({
      sizeDropPercent: null,
      sizeGrowthPercent: null,
    });
  });

  const bad: Array<[string, string]> = [
    ['BACKUP_ALERT_SIZE_DROP', '100'],
    ['BACKUP_ALERT_SIZE_DROP', '0'],
    ['BACKUP_ALERT_SIZE_DROP', '-5%'],
    ['BACKUP_ALERT_SIZE_DROP', 'fifty'],
    ['BACKUP_ALERT_SIZE_GROWTH', '0%'],
    ['BACKUP_ALERT_SIZE_GROWTH', '1e3'],
    ['BACKUP_ALERT_MIN_DURATION', '0s'],
    ['BACKUP_ALERT_MIN_DURATION', 'later'],
  ];
  it.each(bad)(
    '%s=%s is invalid: a problem (run warns, doctor shows it), and the default applies',
    (variable, value) => {
      const { config, problems } = load({ [variable]: value });
      const problem: ConfigProblem = expect.objectContaining({
        variable,
        message: expect.stringContaining(`"${value}"`),
      });
      expect(problems).toEqual([problem]);
      expect(config.falseSuccess.sizeDropPercent).toBe(variable === 'BACKUP_ALERT_SIZE_DROP' ? 50 : 50);
    },
  );
});
