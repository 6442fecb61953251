import { describe, expect, it } from 'vitest';
import { FleetError, toFleetError } from '../../src/fleet/errors.js';
import { jitterDelay, logSyncResult } from '../../src/fleet/sync.js';
import { createLogger } from '../../src/shared/logger.js';

const AT = { host: 'centre', port: 5432, user: 'db01', database: 'backup_alert' };
const SECRET = 'hunter2-Secret';
const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('toFleetError', () => {
  it.each([
    ['28P01', 'EAUTH', false],
    ['42501', 'EPERM', false],
    ['53300', 'ETOOMANY', true],
    ['57P01', 'EUNAVAILABLE', true],
    ['57P03', 'EUNAVAILABLE', true],
    ['57014', 'ETIMEDOUT', true],
    ['3D000', 'ENODB', false],
    ['ECONNREFUSED', 'ECONNREFUSED', true],
    ['ENOTFOUND', 'ENOTFOUND', false],
    ['ECONNRESET', 'ECONNLOST', true],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'ETLS', false],
  ])('%s → %s (transient: %s)', (code, expected, transient) => {
    const error = toFleetError(withCode('boom', code), AT, []);
    expect(error).toBeInstanceOf(FleetError);
    expect(error.code).toBe(expected);
    expect(error.transient).toBe(transient);
    expect(error.message).not.toMatch(/\n/);
  });

  it('messages without a code: timeouts and lost connections are recognised', () => {
    expect(toFleetError(new Error('timeout expired'), AT, []).code).toBe('ETIMEDOUT');
    expect(toFleetError(new Error('Connection terminated unexpectedly'), AT, []).code).toBe('ECONNLOST');
    expect(toFleetError(new Error('The server does not support SSL connections'), AT, []).code).toBe('ETLS');
    expect(toFleetError(new Error('something else'), AT, [])).toMatchObject({
      code: 'EFLEET',
      message: 'the centre at centre:5432 answered: something else',
    });
  });

  it('masks secrets a server might echo back, on one line', () => {
    const error = toFleetError(withCode(`role "x"\nwith ${SECRET} inside`, 'XX000'), AT, [SECRET]);
    expect(error.message).toBe('the centre at centre:5432 answered: role "x" with *** inside (XX000)');
  });
});

describe('jitterDelay and logSyncResult', () => {
  it('spreads over [0, max) and is 0 when off', () => {
    expect(jitterDelay(0, () => 0.99)).toBe(0);
    expect(jitterDelay(60_000, () => 0)).toBe(0);
    expect(jitterDelay(60_000, () => 0.5)).toBe(30_000);
    expect(jitterDelay(60_000, () => 0.999_999)).toBeLessThan(60_000);
  });

  it('silent (debug) on success, one warning otherwise', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), level: 'info' });
    logSyncResult({ shipped: 3, remaining: 0, migrated: [] }, logger);
    expect(lines).toEqual([]);
    logSyncResult(
      {
        shipped: 0,
        remaining: 5,
        migrated: [],
        error: { code: 'ECONNREFUSED', message: 'refused', transient: true },
      },
      logger,
    );
    expect(lines).toEqual([
      '[WARN] [Fleet] Sync to the centre failed (ECONNREFUSED): refused; 5 rows wait for the next sync\n',
    ]);
  });
});
