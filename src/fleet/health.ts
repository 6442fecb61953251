import type { FleetSnapshot, PairRow } from './queries.js';

/**
 * ok; running (running now, success older than allowed); failed (the latest finished run failed or was
 * abandoned); stale (no success within the promise or --max-age); never (promised, never ran);
 * silent (the host itself has not synced within its promise).
 */
export type FleetHealth = 'ok' | 'running' | 'failed' | 'stale' | 'never' | 'silent';

/** Worst first: what a monitoring line names first. A host gone quiet outranks what it last said. */
export const HEALTH_ORDER: readonly FleetHealth[] = ['silent', 'failed', 'never', 'stale', 'running', 'ok'];
const rank = (health: FleetHealth) => HEALTH_ORDER.indexOf(health);
export const worse = (a: FleetHealth, b: FleetHealth): FleetHealth => (rank(a) <= rank(b) ? a : b);

export interface PairStatus {
  host: string;
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
  expectations: Record<string, number>;
  pairs: PairStatus[];
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
  const counts: Record<FleetHealth, number> = { ok: 0, running: 0, failed: 0, stale: 0, never: 0, silent: 0 };
  const hosts = snapshot.hosts.map((host): HostStatus => {
    const pairs = byHost.get(host.host) ?? [];
    const promises = Object.values(host.expectations).filter((ms) => typeof ms === 'number' && ms > 0);
    const silentAfterMs = maxAgeOverrideMs ?? (promises.length > 0 ? Math.max(...promises) : null);
    const lastSeenAgeMs = Math.max(0, now - host.lastSeenAt.getTime());
    // A silent host's own rows are old news: its silence is what to report.
    const silent = silentAfterMs !== null && lastSeenAgeMs > silentAfterMs;
    const health: FleetHealth = silent
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
      expectations: host.expectations,
      pairs,
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
