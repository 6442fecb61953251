import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, isProcessAlive, type LockHolder, lockPathFor } from '../../src/run/lock-file.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

const HOST = 'test-host';

function setup() {
  const dir = tempDir();
  const lockDir = join(dir, 'locks');
  const script = writeScript(dir, 'backup.sh', 'exit 0');
  return { dir, lockDir, script };
}

function me(script: string, startedAt = '2026-01-02T03:04:05.000Z') {
  return { pid: process.pid, host: HOST, startedAt, script };
}

/** The PID of a process that has exited and been reaped: certainly dead. */
function deadPid(): number {
  const child = spawnSync('true');
  expect(child.status).toBe(0);
  expect(isProcessAlive(child.pid)).toBe(false);
  return child.pid;
}

describe('acquireLock', () => {
  it('takes a free lock and releases it', () => {
    const { lockDir, script } = setup();
    const attempt = acquireLock(lockDir, me(script));
    if (!attempt.acquired) throw new Error('expected the lock');
    expect(attempt.reclaimed).toBeUndefined();
    expect(attempt.lock.path).toBe(lockPathFor(lockDir, script));
    expect(JSON.parse(readFileSync(attempt.lock.path, 'utf8'))).toMatchObject({
      pid: process.pid,
      host: HOST,
      backupId: null,
    });
    attempt.lock.release();
    expect(existsSync(attempt.lock.path)).toBe(false);
    // Free again.
    const again = acquireLock(lockDir, me(script));
    expect(again.acquired).toBe(true);
    if (again.acquired) again.lock.release();
  });

  it('a second acquire of the same script is refused with the holder: PID, backup ID, start time', () => {
    const { lockDir, script } = setup();
    const first = acquireLock(lockDir, me(script, '2026-01-02T03:04:05.000Z'));
    if (!first.acquired) throw new Error('expected the lock');
    first.lock.setBackupId('BKP-20260102-030405-daily');

    const second = acquireLock(lockDir, { pid: 999_999, host: HOST, startedAt: 'later', script });
    expect(second.acquired).toBe(false);
    if (second.acquired) return;
    expect(second.holder).toEqual<LockHolder>({
      pid: process.pid,
      host: HOST,
      backupId: 'BKP-20260102-030405-daily',
      startedAt: '2026-01-02T03:04:05.000Z',
      script,
    });
    first.lock.release();
  });

  it('the lock is per script: another script may run at the same time', () => {
    const { dir, lockDir, script } = setup();
    const other = writeScript(dir, 'other.sh', 'exit 0');
    const a = acquireLock(lockDir, me(script));
    const b = acquireLock(lockDir, me(other));
    expect(a.acquired && b.acquired).toBe(true);
    expect(lockPathFor(lockDir, script)).not.toBe(lockPathFor(lockDir, other));
  });

  it('the same script reached through a symlink shares the lock', () => {
    const { dir, lockDir, script } = setup();
    const link = join(dir, 'link.sh');
    spawnSync('ln', ['-s', script, link]);
    expect(lockPathFor(lockDir, link)).toBe(lockPathFor(lockDir, script));
  });

  it('reclaims a lock whose holder on this host is dead, and says whose it was', () => {
    const { lockDir, script } = setup();
    const pid = deadPid();
    const path = lockPathFor(lockDir, script);
    const stale = acquireLock(lockDir, { pid, host: HOST, startedAt: 'long ago', script });
    expect(stale.acquired).toBe(true);
    expect(readFileSync(path, 'utf8')).toContain(`"pid":${pid}`);

    const attempt = acquireLock(lockDir, me(script));
    if (!attempt.acquired) throw new Error(`expected a reclaim, held by ${JSON.stringify(attempt.holder)}`);
    expect(attempt.reclaimed).toMatchObject({ pid, host: HOST, startedAt: 'long ago' });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    attempt.lock.release();
  });

  it('never deletes a lock another run took while it was deciding the old holder was dead', () => {
    const { lockDir, script } = setup();
    const pid = deadPid();
    const path = lockPathFor(lockDir, script);
    acquireLock(lockDir, { pid, host: HOST, startedAt: 'long ago', script });
    const faster: LockHolder = {
      pid: process.pid,
      host: HOST,
      backupId: 'BKP-faster',
      startedAt: 'now',
      script,
    };
    // While this run checks the dead PID, a faster run reclaims and takes the lock.
    const attempt = acquireLock(lockDir, { pid: 4242, host: HOST, startedAt: 'slower', script }, (probe) => {
      if (probe === pid) writeFileSync(path, JSON.stringify(faster));
      return probe !== pid;
    });
    expect(attempt).toMatchObject({ acquired: false, holder: { backupId: 'BKP-faster' } });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ backupId: 'BKP-faster' });
    expect(existsSync(`${path}.reclaim`)).toBe(false);
  });

  it('does not reclaim a dead PID from another host (that PID means nothing here)', () => {
    const { lockDir, script } = setup();
    const pid = deadPid();
    acquireLock(lockDir, { pid, host: 'other-host', startedAt: 'x', script });
    const attempt = acquireLock(lockDir, me(script));
    expect(attempt.acquired).toBe(false);
    if (!attempt.acquired) expect(attempt.holder).toMatchObject({ pid, host: 'other-host' });
  });

  it('an unreadable lock younger than a minute is busy (its writer may be mid-write)', () => {
    const { lockDir, script } = setup();
    expect(acquireLock(lockDir, me(script)).acquired).toBe(true);
    const path = lockPathFor(lockDir, script);
    writeFileSync(path, '{"pid": 12');
    const attempt = acquireLock(lockDir, me(script));
    expect(attempt.acquired).toBe(false);
    if (!attempt.acquired) expect(attempt.holder).toMatchObject({ pid: 0, backupId: null, script });
    expect(readFileSync(path, 'utf8')).toBe('{"pid": 12');
  });

  it('an unreadable lock older than a minute is reclaimed', () => {
    const { lockDir, script } = setup();
    acquireLock(lockDir, me(script));
    const path = lockPathFor(lockDir, script);
    writeFileSync(path, '');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(path, twoMinutesAgo, twoMinutesAgo);
    const attempt = acquireLock(lockDir, me(script));
    expect(attempt.acquired).toBe(true);
    if (attempt.acquired) expect(attempt.reclaimed).toBeUndefined();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
  });

  it('release does not remove a lock someone else has re-taken', () => {
    const { lockDir, script } = setup();
    const first = acquireLock(lockDir, me(script, 'first'));
    if (!first.acquired) throw new Error('expected the lock');
    // Another wrapper reclaimed it (e.g. it judged us dead) and wrote its own holder.
    const theirs = { pid: process.pid + 1, host: HOST, backupId: 'BKP-x', startedAt: 'second', script };
    writeFileSync(first.lock.path, JSON.stringify(theirs));
    first.lock.release();
    expect(existsSync(first.lock.path)).toBe(true);
    expect(JSON.parse(readFileSync(first.lock.path, 'utf8'))).toEqual(theirs);
  });

  it('release by the same PID with a different start time leaves the newer lock alone', () => {
    const { lockDir, script } = setup();
    const first = acquireLock(lockDir, me(script, 'first'));
    if (!first.acquired) throw new Error('expected the lock');
    writeFileSync(first.lock.path, JSON.stringify({ ...me(script, 'second'), backupId: null }));
    first.lock.release();
    expect(existsSync(first.lock.path)).toBe(true);
  });

  it('creates the lock file 0600 in a 0700 directory', () => {
    const { lockDir, script } = setup();
    const attempt = acquireLock(lockDir, me(script));
    if (!attempt.acquired) throw new Error('expected the lock');
    expect(statSync(attempt.lock.path).mode & 0o777).toBe(0o600);
    expect(statSync(lockDir).mode & 0o777).toBe(0o700);
  });
});
