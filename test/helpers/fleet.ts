import { join } from 'node:path';
import type { FleetConfig } from '../../src/config/fleet.js';
import type { BackupType } from '../../src/shared/run-result.js';
import { Store } from '../../src/store/store.js';
import type { PgCluster } from './postgres.js';
import { tempDir } from './tmp.js';

let databases = 0;

/** A fresh, empty centre database in the cluster (owned by `owner`, else the superuser). */
export async function freshCentre(cluster: PgCluster, owner?: string): Promise<string> {
  databases++;
  const name = `centre_${process.pid}_${databases}`;
  await cluster.createDatabase(name, owner);
  return name;
}

/** Fleet settings as parseFleetConfig would make them. */
export function fleetConfig(databaseUrl: string, overrides: Partial<FleetConfig> = {}): FleetConfig {
  const password = decodeURIComponent(new URL(databaseUrl).password);
  return {
    databaseUrl,
    host: 'db1',
    expectations: { daily: 26 * 3_600_000 },
    syncTimeoutMs: 20_000,
    syncJitterMs: 0,
    secrets: [databaseUrl, password].filter((value) => value.length > 0),
    ...overrides,
  };
}

/** A local database in a temp dir removed when the test ends, or in `dir` (close it yourself). */
export function localStore(name = 'backup-alert.db', dir?: string): Store {
  return Store.open(join(dir ?? tempDir(), name));
}

export interface RunSpec {
  type?: string;
  /** Default: the type. */
  job?: string;
  status?: 'success' | 'failure' | 'abandoned' | 'running';
  startedAt: Date;
  error?: string;
  /** How long it ran (default a minute): overlapping runs finish out of their start order. */
  durationMs?: number;
}

/** One run as `run` records it: the running row, then (unless running) its outcome. */
export function recordRun(store: Store, spec: RunSpec): string {
  const type = (spec.type ?? 'daily') as BackupType;
  const job = spec.job ?? type;
  const iso = spec.startedAt.toISOString();
  const { backupId } = store.runs.insert(
    {
      job,
      type,
      startedAt: iso,
      script: '/opt/backup.sh',
      host: 'os-host',
      pid: 4242,
      logPathTemplate: null,
    },
    spec.startedAt,
  );
  const status = spec.status ?? 'success';
  if (status === 'running') return backupId;
  const failed = status !== 'success';
  store.runs.finish({
    backupId,
    type,
    job,
    host: 'os-host',
    script: '/opt/backup.sh',
    logPath: null,
    status,
    startedAt: iso,
    finishedAt: new Date(spec.startedAt.getTime() + (spec.durationMs ?? 60_000)).toISOString(),
    durationMs: spec.durationMs ?? 60_000,
    exitCode: failed ? 1 : 0,
    signal: null,
    errorMessage: failed ? (spec.error ?? 'Backup script failed with exit code 1: disk full') : null,
    outputTail: failed ? 'tar: No space left on device\n' : '',
    artifactPath: null,
    artifactBytes: null,
  });
  return backupId;
}

/** `count` daily runs one day apart, ending at `end`; plus one notification per failure. */
export function recordDays(
  store: Store,
  count: number,
  end: Date,
  fail: (i: number) => boolean = () => false,
) {
  for (let i = count - 1; i >= 0; i--) {
    const failed = fail(i);
    const backupId = recordRun(store, {
      startedAt: new Date(end.getTime() - i * 86_400_000),
      status: failed ? 'failure' : 'success',
    });
    if (failed) {
      store.notifications.insert({
        notificationType: 'backup_failure',
        channel: 'email',
        recipient: 'ops@example.com',
        subject: `【緊急】バックアップ失敗: ${backupId}`,
        status: 'sent',
        errorMessage: null,
        sentAt: new Date(end.getTime() - i * 86_400_000 + 61_000).toISOString(),
        attempts: 1,
        payload: '{}',
        backupId,
      });
    }
  }
}

export async function centreCount(cluster: PgCluster, database: string, table: string): Promise<number> {
  const [row] = await cluster.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`, [], database);
  return Number(row?.n ?? 0);
}
