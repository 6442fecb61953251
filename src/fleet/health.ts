import { CLOCK_SKEW_TOLERATED_MS, type ClashRow, type FleetSnapshot, type PairRow } from './queries.js';

/**
 * clash (another installation was refused under this host name: one of the two machines'
 * backups does not reach the centre); ok; running (running now, success older than allowed); failed (the latest finished run failed or was
 * abandoned); stale (no success within the promise or --max-age); never (promised, never ran);
 * silent (the host itself has not synced within its promise).
 */
export type FleetHealth = 'ok' | 'running' | 'failed' | 'stale' | 'never' | 'silent' | 'clash';

/**
 * Worst first: what a monitoring line names first. A clash hides a whole machine's backups;
 * a host gone quiet outranks what it last said.
 */
export const HEALTH_ORDER: readonly FleetHealth[] = [
  'clash',
  'silent',
  'failed',
  'never',
  'stale',
  'running',
  'ok',
];
/** A host clock off by more than this is shown on the host (ages lean on the centre's receipt time then). */
export const SKEW_SHOWN_MS = CLOCK_SKEW_TOLERATED_MS;
const rank = (health: FleetHealth) => HEALTH_ORDER.indexOf(health);
export const worse = (a: FleetHealth, b: FleetHealth): FleetHealth => (rank(a) <= rank(b) ? a : b);

export interface PairStatus {
  host: string;
  job: string;
  type: string;
  health: Exclude<FleetHealth, 'silent'>;
  /** The limit applied: --max-age, else the host's promise; null = none. */
  maxAgeMs: number | null;
  successAgeMs: number | null;
  latest: PairRow['latest'];
  consecutiveFailures: number;
}

export interface HostStatus {
  host: string;
  health: FleetHealth;
  lastSeenAt: Date;
  lastSeenAgeMs: number;
  /** How long the host may stay quiet: --max-age, else its longest promise; null = no promise. */
  silentAfterMs: number | null;
  version: string | null;
  clockSkewMs: number;
  /** |clockSkewMs| beyond SKEW_SHOWN_MS. */
  clockSkewed: boolean;
  expectations: Record<string, number>;
  pairs: PairStatus[];
  /** Installations refused under this name, until resolved. */
  clashes: ClashRow[];
  /** Every reason the host is not ok, worst first: a clash, its silence, then each job's. */
  reasons: HostReason[];
}

export interface HostReason {
  health: Exclude<FleetHealth, 'ok'>;
  /** The job it concerns; null for the host as a whole (a clash, silence). */
  job: string | null;
}

export interface FleetStatus {
  checkedAt: Date;
  healthy: boolean;
  hosts: HostStatus[];
  /** Hosts per health. */
  counts: Record<FleetHealth, number>;
}

function judgePair(pair: PairRow, now: number, maxAgeOverrideMs: number | undefined): PairStatus {
  const maxAgeMs = maxAgeOverrideMs ?? pair.promiseMs;
  const successAgeMs = pair.lastSuccessAt ? Math.max(0, now - pair.lastSuccessAt.getTime()) : null;
  const stale = maxAgeMs !== null && (successAgeMs === null || successAgeMs > maxAgeMs);
  let health: PairStatus['health'] = 'ok';
  const status = pair.latest?.status;
  if (!pair.latest) health = 'never';
  else if (status === 'failure' || status === 'abandoned') health = 'failed';
  else if (stale) health = pair.running ? 'running' : 'stale';
  return {
    host: pair.host,
    job: pair.job,
    type: pair.type,
    health,
    maxAgeMs,
    successAgeMs,
    latest: pair.latest,
    consecutiveFailures: pair.consecutiveFailures,
  };
}

/** The fleet judged by the centre's clock; `maxAgeOverrideMs` (--max-age) replaces every promise. */
export function judgeFleet(snapshot: FleetSnapshot, maxAgeOverrideMs?: number): FleetStatus {
  const now = snapshot.now.getTime();
  const byHost = new Map<string, PairStatus[]>();
  for (const pair of snapshot.pairs) {
    const list = byHost.get(pair.host) ?? [];
    list.push(judgePair(pair, now, maxAgeOverrideMs));
    byHost.set(pair.host, list);
  }
  const clashesOf = new Map<string, ClashRow[]>();
  for (const clash of snapshot.clashes)
    clashesOf.set(clash.host, [...(clashesOf.get(clash.host) ?? []), clash]);
  const counts: Record<FleetHealth, number> = {
    ok: 0,
    running: 0,
    failed: 0,
    stale: 0,
    never: 0,
    silent: 0,
    clash: 0,
  };
  const hosts = snapshot.hosts.map((host): HostStatus => {
    const pairs = byHost.get(host.host) ?? [];
    const promises = Object.values(host.expectations).filter((ms) => typeof ms === 'number' && ms > 0);
    const silentAfterMs = maxAgeOverrideMs ?? (promises.length > 0 ? Math.max(...promises) : null);
    const lastSeenAgeMs = Math.max(0, now - host.lastSeenAt.getTime());
    // A silent host's own rows are old news: its silence is what to report.
    const silent = silentAfterMs !== null && lastSeenAgeMs > silentAfterMs;
    const clashes = clashesOf.get(host.host) ?? [];
    const reasons: HostReason[] = [
      ...(clashes.length > 0 ? [{ health: 'clash' as const, job: null }] : []),
      ...(silent ? [{ health: 'silent' as const, job: null }] : []),
      ...pairs
        .filter((pair) => pair.health !== 'ok')
        .map((pair) => ({ health: pair.health as HostReason['health'], job: pair.job }))
        .sort((a, b) => rank(a.health) - rank(b.health) || (a.job < b.job ? -1 : a.job > b.job ? 1 : 0)),
    ];
    // A silent host's own rows are old news: its silence is its health (they stay among the reasons).
    const health: FleetHealth =
      clashes.length > 0
        ? 'clash'
        : silent
          ? 'silent'
          : pairs.reduce<FleetHealth>((worst, pair) => worse(worst, pair.health), 'ok');
    counts[health]++;
    return {
      host: host.host,
      health,
      lastSeenAt: host.lastSeenAt,
      lastSeenAgeMs,
      silentAfterMs,
      version: host.version,
      clockSkewMs: host.clockSkewMs,
      clockSkewed: Math.abs(host.clockSkewMs) > SKEW_SHOWN_MS,
      expectations: host.expectations,
      pairs,
      clashes,
      reasons,
    };
  });
  const healthy =
    hosts.length > 0 && hosts.every((host) => host.health === 'ok' || host.health === 'running');
  return { checkedAt: snapshot.now, healthy, hosts, counts };
}

/** Hosts that need someone, worst first (then by name). */
export function unhealthyHosts(status: FleetStatus): HostStatus[] {
  return status.hosts
    .filter((host) => host.health !== 'ok')
    .sort((a, b) => rank(a.health) - rank(b.health) || a.host.localeCompare(b.host));
}
