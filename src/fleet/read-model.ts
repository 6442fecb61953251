import type { ClientBase } from 'pg';
import type { MetricsSnapshot } from '../metrics/snapshot.js';
import {
  AmbiguousBackupIdError,
  type AuditItem,
  type BackupDetail,
  type BackupItem,
  type BackupQuery,
  type BackupWithTail,
  type FleetPage,
  type FleetPageQuery,
  type HostNote,
  type HostTypeFacts,
  type NotificationItem,
  type NotificationQuery,
  type Page,
  type PageQuery,
  type ReadModel,
  ReadModelUnavailableError,
  type StormNote,
} from '../serve/read-model.js';
import { FleetError } from './errors.js';
import { ProblemFactsCache, readFleetPage, summaryReadable } from './fleet-page.js';
import { fleetMetricsSnapshot } from './metrics-query.js';
import type { CentrePool } from './pool.js';
import {
  auditItem,
  type CentreAuditRow,
  type CentreNotificationRow,
  type CentreRunRow,
  notificationItem,
  prefixedRun,
  runItem,
  runWithTail,
} from './read-items.js';
import {
  auditListSql,
  backupListSql,
  backupSql,
  hostNotesSql,
  hostsSql,
  latestFailuresSql,
  notificationListSql,
  runNotificationsSql,
  type Statement,
  statusFactsSql,
  undeliveredSql,
} from './read-sql.js';
import { requireReadableSchema } from './schema.js';

/**
 * The schema serve reads: its indexes and count tables (2), the run in progress in latest_runs
 * (3), runs by job and the refusals in host_clashes (4).
 */
export const SERVE_SCHEMA_VERSION = 4;
/** Hosts named in an ambiguous-ID answer, at most. */
const AMBIGUOUS_HOSTS = 20;

async function rows<T>(client: ClientBase, statement: Statement): Promise<T[]> {
  return (await client.query(statement.text, statement.values)).rows as T[];
}

const keyOf = (statement: Statement) => `${statement.text}\u0000${JSON.stringify(statement.values)}`;

async function total(client: ClientBase, statement: Statement): Promise<number> {
  return (await rows<{ total: number }>(client, statement))[0]?.total ?? 0;
}

/**
 * `serve` over the centre's PostgreSQL: the same answers as the local SQLite, for every host
 * the role may see (row-level security applies). Reads only, each request one read-only
 * snapshot on a pooled connection; totals come from the count tables, lists walk an index and
 * stop at the page, the host × type facts come from latest_runs.
 */
export class CentreReadModel implements ReadModel {
  private schemaChecked = false;
  /** host_summary is there and granted (checked until it is). */
  private summaryReadable = false;
  /** Totals and host × type facts by key, valid while the snapshot is the same (see `remember`). */
  private readonly memo = new Map<string, { snapshot: string; value: unknown }>();
  /** The snapshot the memo's entries were computed in (the latest stored). */
  private memoSnapshot = '';
  /** The page's hosts in trouble, their pairs per host_summary row version (fleet-page.ts). */
  private readonly problemFacts = new ProblemFactsCache();

  constructor(private readonly pool: CentrePool) {}

  /**
   * A result computed at most once per database state, as the SQLite read model does with
   * data_version: a snapshot equal to the one it was computed in sees exactly the same rows.
   * Totals over 1,000 hosts sum 12,000 counter rows and the page reads 4,000 pairs on every
   * (auto-)refresh, while hosts write a few times a day. Values are shared: do not change them.
   */
  private async remember<T>(key: string, snapshot: string, compute: () => Promise<T>): Promise<T> {
    const hit = this.memo.get(key);
    if (snapshot !== '' && hit?.snapshot === snapshot) return hit.value as T;
    const value = await compute();
    // What an older snapshot computed can never be asked for again: keeping it grew the heap
    // round after round under load. 256 keys at most (filters and offsets come from requests).
    if (snapshot !== this.memoSnapshot || this.memo.size >= 256) {
      this.memo.clear();
      this.memoSnapshot = snapshot;
    }
    this.memo.set(key, { snapshot, value });
    return value;
  }

  /**
   * `remember` without a transaction when nothing changed: the pool's shared snapshot check
   * (one round trip for every request in flight) against the snapshot the value was computed
   * in. Only a miss opens a read-only transaction.
   */
  private async cached<T>(
    key: string,
    compute: (client: ClientBase, snapshot: string) => Promise<T>,
  ): Promise<T> {
    const hit = this.memo.get(key);
    if (hit !== undefined && hit.snapshot !== '' && this.schemaChecked) {
      let now: string;
      try {
        now = await this.pool.snapshot();
      } catch (error) {
        if (error instanceof FleetError) throw new ReadModelUnavailableError(error.message, { cause: error });
        throw error;
      }
      if (now === hit.snapshot) return hit.value as T;
    }
    return this.read((client, snapshot) => this.remember(key, snapshot, () => compute(client, snapshot)));
  }

  private total(client: ClientBase, snapshot: string, statement: Statement): Promise<number> {
    return this.remember(keyOf(statement), snapshot, () => total(client, statement));
  }

  /**
   * Errors of the centre become ReadModelUnavailableError (503, reason logged); the schema
   * is checked on the first read that reaches the centre, and again until it passes.
   */
  private async read<T>(work: (client: ClientBase, snapshot: string) => Promise<T>): Promise<T> {
    try {
      return await this.pool.read(async (client, snapshot) => {
        if (!this.schemaChecked) await this.checkSchema(client);
        return work(client, snapshot);
      });
    } catch (error) {
      if (error instanceof FleetError) throw new ReadModelUnavailableError(error.message, { cause: error });
      throw error;
    }
  }

  private async checkSchema(client: ClientBase): Promise<void> {
    await requireReadableSchema(client, SERVE_SCHEMA_VERSION, 'serve');
    this.schemaChecked = true;
  }

  /** Connects, checks the schema and returns; throws ReadModelUnavailableError with the reason. */
  async check(): Promise<void> {
    this.schemaChecked = false;
    await this.read(async () => {});
  }

  async backups(query: BackupQuery): Promise<Page<BackupItem>> {
    const sql = backupListSql(query);
    return this.cached(`backups\u0000${keyOf(sql.page)}`, async (client, snapshot) => {
      const count = await this.total(client, snapshot, sql.total);
      // Nothing matches: walking an index to find that out could read every row of one filter.
      if (count === 0 || query.offset >= count) return { total: count, items: [] };
      return { total: count, items: (await rows<CentreRunRow>(client, sql.page)).map(runItem) };
    });
  }

  async backup(backupId: string, host?: string): Promise<BackupDetail | undefined> {
    // Thrown outside the connection's work, which reports its own errors as the centre's.
    const found = await this.read(async (client) => {
      const runs = await rows<CentreRunRow & { output_tail: string | null }>(
        client,
        backupSql(backupId, host, host === undefined ? AMBIGUOUS_HOSTS + 1 : 1),
      );
      const run = runs[0];
      if (!run || runs.length > 1) return { runs };
      const notifications = await rows<CentreNotificationRow>(
        client,
        runNotificationsSql(backupId, run.host),
      );
      return { runs, detail: { ...runWithTail(run), notifications: notifications.map(notificationItem) } };
    });
    if (found.runs.length > 1) {
      throw new AmbiguousBackupIdError(
        backupId,
        found.runs.slice(0, AMBIGUOUS_HOSTS).map((r) => r.host),
      );
    }
    return found.detail;
  }

  /** See factsOf; kept while the snapshot is unchanged (see `remember`). */
  async statusFacts(filter: { host?: string; type?: string; job?: string } = {}): Promise<HostTypeFacts[]> {
    const key = `facts\u0000${filter.host ?? ''}\u0000${filter.type ?? ''}\u0000${filter.job ?? ''}`;
    return this.cached(key, async (client) =>
      factsOf(
        await rows<Record<string, unknown>>(client, statusFactsSql(filter)),
        await rows<{ host: string; expectations: Record<string, unknown> }>(client, hostsSql(filter.host)),
        filter,
      ),
    );
  }

  /** Storms of the last day (issue 26), newest first; none where the centre keeps none yet. */
  async storms(): Promise<StormNote[]> {
    return this.cached('storms', async (client) => {
      // Checked first: a failed statement would abort the read's snapshot transaction.
      const present = await rows<{ here: boolean }>(client, {
        text: "SELECT to_regclass('storms') IS NOT NULL AS here",
        values: [],
      });
      if (!present[0]?.here) return [];
      return (
        await rows<{
          kind: StormNote['kind'];
          label: string;
          job: string;
          host_count: number;
          opened_at: Date;
        }>(client, {
          text: `SELECT kind, label, job, host_count, opened_at FROM storms
                      WHERE opened_at > now() - interval '1 day' ORDER BY opened_at DESC, id DESC`,
          values: [],
        })
      ).map((row) => ({
        kind: row.kind,
        label: row.label,
        job: row.job,
        hostCount: row.host_count,
        openedAt: row.opened_at.toISOString(),
      }));
    });
  }

  /** See ReadModel.fleetPage; undefined before schema 6 or its grant, and below `minHosts`. */
  async fleetPage(query: FleetPageQuery, minHosts: number): Promise<FleetPage | undefined> {
    return this.read(async (client) => {
      if (!this.summaryReadable) this.summaryReadable = await summaryReadable(client);
      if (!this.summaryReadable) return undefined;
      return readFleetPage(client, query, minHosts, this.problemFacts, async (hosts) =>
        factsOf(
          await rows<Record<string, unknown>>(client, statusFactsSql({ hosts })),
          await rows<{ host: string; expectations: Record<string, unknown> }>(
            client,
            hostsSql(undefined, hosts),
          ),
          {},
        ),
      );
    });
  }

  async hostNotes(): Promise<HostNote[]> {
    return this.cached('host-notes', async (client) =>
      (
        await rows<{
          host: string;
          clock_skew_ms: number;
          installations: number | null;
          refusals: number | null;
          pending_rows: number | null;
        }>(client, hostNotesSql())
      ).map((row) => ({
        host: row.host,
        clockSkewMs: row.clock_skew_ms,
        clash:
          row.installations === null
            ? null
            : {
                installations: row.installations,
                refusals: row.refusals ?? 0,
                pendingRows: row.pending_rows ?? 0,
              },
      })),
    );
  }

  async notifications(query: NotificationQuery): Promise<Page<NotificationItem>> {
    const sql = notificationListSql(query);
    return this.cached(`notifications\u0000${keyOf(sql.page)}`, async (client, snapshot) => {
      const count = await this.total(client, snapshot, sql.total);
      if (count === 0 || query.offset >= count) return { total: count, items: [] };
      return {
        total: count,
        items: (await rows<CentreNotificationRow>(client, sql.page)).map(notificationItem),
      };
    });
  }

  async audit(query: PageQuery): Promise<Page<AuditItem>> {
    const sql = auditListSql(query);
    return this.cached(`audit\u0000${keyOf(sql.page)}`, async (client, snapshot) => {
      const count = await this.total(client, snapshot, sql.total);
      if (count === 0 || query.offset >= count) return { total: count, items: [] };
      return { total: count, items: (await rows<CentreAuditRow>(client, sql.page)).map(auditItem) };
    });
  }

  async undelivered(limit: number): Promise<Page<NotificationItem>> {
    const sql = undeliveredSql(limit);
    return this.cached(`undelivered\u0000${limit}`, async (client, snapshot) => {
      const count = await this.total(client, snapshot, sql.total);
      if (count === 0) return { total: 0, items: [] };
      return {
        total: count,
        items: (await rows<CentreNotificationRow>(client, sql.page)).map(notificationItem),
      };
    });
  }

  async latestFailures(limit: number): Promise<BackupWithTail[]> {
    return this.cached(`failures\u0000${limit}`, async (client) =>
      (await rows<CentreRunRow & { output_tail: string | null }>(client, latestFailuresSql(limit))).map(
        runWithTail,
      ),
    );
  }

  async ping(): Promise<void> {
    await this.read(async (client) => {
      await client.query('SELECT 1');
    });
  }

  /** Every host's metrics, each series with a `host` label (GET /metrics over the centre). */
  async metricsSnapshot(version: string): Promise<MetricsSnapshot> {
    return this.cached(`metrics\u0000${version}`, (client) => fleetMetricsSnapshot(client, version));
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Every host × type that ran, plus the types each host promised and never ran (as `never`),
 * each judged against its host's own promise (`maxAgeMs`).
 */
function factsOf(
  pairs: Array<Record<string, unknown>>,
  hosts: Array<{ host: string; expectations: Record<string, unknown> }>,
  filter: { host?: string; type?: string; job?: string },
): HostTypeFacts[] {
  const promises = new Map(hosts.map((h) => [h.host, h.expectations]));
  const promiseOf = (host: string, type: string): number | undefined => {
    const ms = promises.get(host)?.[type];
    return typeof ms === 'number' && ms > 0 ? ms : undefined;
  };
  const facts: HostTypeFacts[] = [];
  const seen = new Set<string>();
  for (const row of pairs) {
    const host = row['pair_host'] as string;
    const type = row['pair_type'] as string;
    const job = (row['pair_job'] as string | null) ?? type;
    seen.add(`${host}\u0000${job}`);
    // A promise names a job (a job without a name is its type).
    const maxAgeMs = promiseOf(host, job);
    facts.push({
      host,
      job,
      type,
      latestRun: prefixedRun(row, 'l_'),
      latestSuccess: prefixedRun(row, 's_'),
      runningRun: prefixedRun(row, 'r_'),
      consecutiveFailures: row['failures'] as number,
      ...(maxAgeMs === undefined ? {} : { maxAgeMs }),
    });
  }
  for (const [host, expectations] of promises) {
    for (const type of Object.keys(expectations)) {
      const maxAgeMs = promiseOf(host, type);
      if (maxAgeMs === undefined || seen.has(`${host}\u0000${type}`)) continue;
      if (filter.type !== undefined && type !== filter.type) continue;
      if (filter.job !== undefined && type !== filter.job) continue;
      facts.push({
        host,
        job: type,
        type,
        latestRun: null,
        latestSuccess: null,
        runningRun: null,
        consecutiveFailures: 0,
        maxAgeMs,
      });
    }
  }
  return facts.sort(
    (a, b) =>
      compare(a.host ?? '', b.host ?? '') || compare(a.type, b.type) || compare(a.job ?? '', b.job ?? ''),
  );
}

/** Code-point order, not the locale's: the same order whatever machine serves it. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
