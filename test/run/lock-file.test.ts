import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
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
      pgid: null,
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
      pgid: null,
    };
    // While this run checks the dead PID, a faster run reclaims and takes the lock.
    const attempt = acquireLock(
      lockDir,
      { pid: 4242, host: HOST, startedAt: 'slower', script },
      {
        isAlive: (probe) => {
          if (probe === pid) writeFileSync(path, JSON.stringify(faster));
          return probe !== pid;
        },
      },
    );
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

  it('an empty or garbled lock file is no holder: it is reclaimed at once', () => {
    const { lockDir, script } = setup();
    const path = lockPathFor(lockDir, script);
    for (const content of ['', '{"pid": 12']) {
      expect(acquireLock(lockDir, me(script)).acquired).toBe(true);
      // What a writer that died mid-write, or a full disk, left with the old in-place write.
      writeFileSync(path, content);
      const attempt = acquireLock(lockDir, me(script));
      if (!attempt.acquired) throw new Error(`expected a reclaim, got ${JSON.stringify(attempt)}`);
      expect(attempt.reclaimed).toBe('unreadable');
      expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
      attempt.lock.release();
    }
  });

  it('a full disk leaves no lock file behind: the content is written before the lock appears', () => {
    const { lockDir, script } = setup();
    const full = () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    expect(() => acquireLock(lockDir, me(script), { write: full })).toThrow(/ENOSPC/);
    expect(readdirSync(lockDir)).toEqual([]);
    // Space is back: the next run takes the lock, no "PID 0, backup ID unknown".
    const attempt = acquireLock(lockDir, me(script));
    expect(attempt.acquired).toBe(true);
    if (attempt.acquired) expect(attempt.reclaimed).toBeUndefined();
  });

  it('updates replace the lock file whole: a reader never sees it empty', () => {
    const { lockDir, script } = setup();
    const attempt = acquireLock(lockDir, me(script));
    if (!attempt.acquired) throw new Error('expected the lock');
    const path = attempt.lock.path;
    const before = statSync(path).ino;
    attempt.lock.setBackupId('BKP-20260102-030405-daily');
    // A new inode: renamed over the old file, never truncated and rewritten in place.
    expect(statSync(path).ino).not.toBe(before);
    attempt.lock.setScriptGroup(4242);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      backupId: 'BKP-20260102-030405-daily',
      pgid: 4242,
    });
    expect(readdirSync(lockDir)).toEqual([basename(path)]);
  });

  it("a dead holder whose script's process group still runs is not reclaimed: the orphan is named", () => {
    const { lockDir, script } = setup();
    const pid = deadPid();
    const stale = acquireLock(lockDir, { pid, host: HOST, startedAt: 'long ago', script });
    if (!stale.acquired) throw new Error('expected the lock');
    stale.lock.setScriptGroup(31337);
    const probes = { isGroupAlive: (pgid: number) => pgid === 31337 };
    const attempt = acquireLock(lockDir, me(script), probes);
    expect(attempt).toMatchObject({ acquired: false, orphan: true, holder: { pid, pgid: 31337 } });
    // The group ended: now the lock is reclaimed.
    const later = acquireLock(lockDir, me(script), { isGroupAlive: () => false });
    expect(later).toMatchObject({ acquired: true, reclaimed: { pid, pgid: 31337 } });
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
    writeFileSync(first.lock.path, JSON.stringify({ ...me(script, 'second'), backupId: null, pgid: null }));
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
