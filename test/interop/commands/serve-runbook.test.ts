import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { serveCommand } from '../../../src/commands/serve.js';
import { hashPassword } from '../../../src/serve/login/password.js';
import { writeUsers } from '../../../src/serve/login/users-file.js';
import type { RunningServer } from '../../../src/serve/server.js';
import { fakeSignals, ROOT } from '../../helpers/cli.js';
import { commandContext } from '../../helpers/context.js';
import { NOW, seedFleet } from '../../helpers/serve.js';
import { writeCert } from '../../helpers/tls.js';
import { tempDir } from '../../helpers/tmp.js';

/** The runbook's curl lines, verbatim (see the file's head for what is left out). */
const RUNBOOK = readFileSync(join(ROOT, 'test', 'fixtures', 'runbook', 'curl-lines.sh'), 'utf8');

describe('the runbook §7, §9.1, §10.4 and Q1 curl lines against serve over HTTPS (real curl and jq)', () => {
  it('log in, test e-mail, start two failing manual backups, list failures and successes: all as written', async () => {
    const dir = tempDir();
    const { dbPath } = seedFleet(dir);
    const usersPath = join(dir, 'users');
    writeUsers(usersPath, [
      { name: 'admin', hash: await hashPassword('your-admin-password'), role: 'admin' },
    ]);
    const cert = await writeCert(dir, 'localhost');
    const { ctx, out } = commandContext(
      {
        PATH: process.env['PATH'],
        HOME: dir,
        BACKUP_ALERT_DB: dbPath,
        BACKUP_ALERT_LANG: 'en',
        BACKUP_ALERT_USERS_FILE: usersPath,
        BACKUP_ALERT_TLS_CERT: cert.certPath,
        BACKUP_ALERT_TLS_KEY: cert.keyPath,
        BACKUP_ALERT_HOST: 'serve-host',
        // Method A: the script is renamed away, so the run fails "not found".
        BACKUP_ALERT_SCRIPT: join(dir, 'scripts', 'backup.sh'),
      },
      { now: () => NOW, hostname: 'serve-host', username: 'operator', cwd: dir },
    );
    const signals = fakeSignals();
    const sent: string[] = [];
    let result: { stdout: string; stderr: string; exitCode?: number } | undefined;
    let failure: unknown;
    const code = await serveCommand({ listen: '127.0.0.1:0' }, ctx, signals, {
      sendTestEmail: async (to) => {
        sent.push(to);
        return { ok: true };
      },
      onListening: (server: RunningServer) => {
        const port = String(server.port);
        const script = `set -o pipefail\n${RUNBOOK}`.replaceAll('localhost:6443', `localhost:${port}`);
        execa('bash', ['-c', script], { reject: false, timeout: 90_000, env: { PATH: process.env['PATH'] } })
          .then((r) => {
            result = { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1 };
          })
          .catch((error: unknown) => {
            failure = error;
          })
          .finally(() => signals.emit('SIGTERM'));
      },
    });
    if (failure) throw failure;
    expect(code).toBe(0);
    expect(result?.stderr).not.toContain('still running');
    expect(result?.exitCode).toBe(0);
    const sections = Object.fromEntries(
      (result?.stdout ?? '').split(/^--- /m).map((part) => {
        const [name = '', ...rest] = part.split('\n');
        return [name.trim(), rest.join('\n').trim()];
      }),
    );
    const [tokenLine] = (result?.stdout ?? '').split('\n');
    expect(tokenLine).toMatch(/^Token: [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.parse(sections['7.1']!)).toEqual({
      success: true,
      data: { sent: true, email: 'admin@company.com' },
    });
    expect(sent).toEqual(['admin@company.com']);
    const startedA = JSON.parse(sections['7.3A']!) as { success: boolean; data: { backupId: string } };
    const startedB = JSON.parse(sections['7.3B']!) as { success: boolean; data: { backupId: string } };
    expect(startedA.data.backupId).toMatch(/^BKP-\d{8}-\d{6}-manual(-\d+)?$/);
    expect(startedB.data.backupId).not.toBe(startedA.data.backupId);
    // Both runs failed (script not found) and are the newest failures; 12 were seeded.
    const failures = JSON.parse(sections['9.1']!) as {
      data: { total: number; items: { backupId: string; exitCode: number }[] };
    };
    expect(failures.data.total).toBe(14);
    expect(failures.data.items.slice(0, 2).map((i) => [i.backupId, i.exitCode])).toEqual([
      [startedB.data.backupId, 127],
      [startedA.data.backupId, 127],
    ]);
    expect(sections['10.4']).toBe('14');
    expect(JSON.parse(sections['Q1']!).data.items).toHaveLength(5);
    // Audited: the login and both starts, with the user and the client's address.
    const db = new Database(dbPath, { readonly: true });
    const rows = db
      .prepare(
        "SELECT operation, username, ip_address, status, backup_id FROM backup_audit_logs WHERE operation IN ('login', 'backup-start') ORDER BY id",
      )
      .all();
    db.close();
    expect(rows).toEqual([
      {
        operation: 'login',
        username: 'admin',
        ip_address: expect.stringMatching(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/),
        status: 'success',
        backup_id: null,
      },
      expect.objectContaining({
        operation: 'backup-start',
        username: 'admin',
        status: 'success',
        backup_id: startedA.data.backupId,
      }),
      expect.objectContaining({
        operation: 'backup-start',
        username: 'admin',
        status: 'success',
        backup_id: startedB.data.backupId,
      }),
    ]);
    expect(out.stdout + out.stderr).not.toContain('your-admin-password');
  }, 120_000);
});
