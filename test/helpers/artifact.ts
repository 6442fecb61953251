import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Store } from '../../src/store/store.js';
import { runMain } from './cli.js';
import { readRuns } from './db.js';
import { startSmtpSink } from './smtp.js';
import { tempDir, writeScript } from './tmp.js';

/** A day ago: an artifact this old was certainly not written by the run under test. */
export const DAY_MS = 86_400_000;

/** Writes `bytes` bytes at `path` (creating its directory), optionally dated `ageMs` in the past. */
export function writeArtifact(path: string, bytes: number, ageMs?: number): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes, 0x61));
  if (ageMs !== undefined) {
    const when = new Date(Date.now() - ageMs);
    utimesSync(path, when, when);
  }
  return path;
}

/**
 * A run of `--type daily` through main() with a real SMTP server as the alert channel, in a
 * temp directory holding the database and the artifacts (`dir`). `script` is a bash body.
 */
export async function falseSuccessSetup(extraEnv: Record<string, string> = {}) {
  const sink = await startSmtpSink();
  const dir = tempDir();
  const db = join(dir, 'state', 'backup-alert.db');
  const env = {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    BACKUP_ALERT_EMAIL: 'ops@example.com',
    NODE_ENV: 'test',
    ...extraEnv,
  };
  let scripts = 0;
  const run = (body: string, args: string[] = [], more: Record<string, string> = {}) =>
    runMain(
      [
        'run',
        '--type',
        'daily',
        '--quiet',
        '--script',
        writeScript(dir, `backup-${++scripts}.sh`, body),
        '--db',
        db,
        ...args,
      ],
      { env: { ...env, ...more }, cwd: dir },
    );
  const lastRun = () => readRuns(db).at(-1)!;
  return { sink, dir, db, env, run, lastRun };
}

/** Earlier successful daily runs with these artifact sizes (oldest first), a day apart, ending an hour ago. */
export function seedSizes(db: string, sizes: readonly number[], type: 'daily' | 'weekly' = 'daily'): void {
  const store = Store.open(db);
  try {
    sizes.forEach((bytes, index) => {
      const started = new Date(Date.now() - 3_600_000 - (sizes.length - 1 - index) * DAY_MS);
      const { backupId, logPath } = store.runs.insert(
        {
          type,
          startedAt: started.toISOString(),
          script: '/opt/backup.sh',
          host: 'db1',
          pid: 1,
          logPathTemplate: null,
        },
        started,
      );
      store.runs.finish({
        backupId,
        type,
        job: type,
        host: 'db1',
        script: '/opt/backup.sh',
        logPath,
        status: 'success',
        startedAt: started.toISOString(),
        finishedAt: new Date(started.getTime() + 60_000).toISOString(),
        durationMs: 60_000,
        exitCode: 0,
        signal: null,
        errorMessage: null,
        outputTail: '',
        artifactPath: `/var/backups/db-${index}.dump`,
        artifactBytes: bytes,
      });
    });
  } finally {
    store.close();
  }
}
