import type { BackupItem, HostNote, HostTypeFacts } from './read-model.js';

/**
 * ok; failed (the latest finished run failed or was abandoned); stale (no success within
 * the max age); never (no run at all); running (running now, and the last success is too old).
 * The same rules as `status` (src/commands/status.ts), per host.
 */
export type Health = 'ok' | 'running' | 'failed' | 'stale' | 'never';

export interface HostTypeStatus {
  host: string | null;
  /** The job (issue 21); the type for runs that named none. */
  job: string;
  type: string;
  health: Health;
  /** The run that finished last (what the health follows), as in `status --json`. */
  latestRun: BackupItem | null;
  /** A run in progress now, null when none. */
  runningRun: BackupItem | null;
  latestSuccess: BackupItem | null;
  /** Age of the latest success in ms, null when there is none. */
  successAgeMs: number | null;
  /** The max age this cell was judged against, null when none applies. */
  maxAgeMs: number | null;
  consecutiveFailures: number;
  /** consecutiveFailures reached BACKUP_ALERT_ESCALATE_AFTER (runbook §13 Level 2). */
  escalate: boolean;
}

/** Worst first, as `status --fleet` orders a host's reasons (a clash hides a machine's backups). */
const REASON_ORDER: ReadonlyArray<Health | 'clash'> = ['clash', 'failed', 'never', 'stale', 'running'];

/** Over the centre: one host's every reason, worst first, and its clock (issue 25). */
export interface HostReport {
  host: string;
  reasons: Array<{ health: Exclude<Health, 'ok'> | 'clash'; type: string | null }>;
  clockSkewMs: number;
  clash: HostNote['clash'];
}

/** `status --json`'s shape, each entry with its host. */
export interface StatusReport {
  healthy: boolean;
  checkedAt: string;
  maxAgeMs: number | null;
  types: HostTypeStatus[];
  /** Over the centre: the hosts that are not ok or whose clock is off, worst first. */
  hosts?: HostReport[];
}

export interface JudgeOptions {
  now: Date;
  /** Like `status --max-age`: applies to every type without a promise of its own. */
  maxAgeMs?: number;
  /** Asked for explicitly (`?maxAge=`): replaces every promise, as `status --fleet --max-age` does. */
  maxAgeOverrideMs?: number;
  /** What each type promises (BACKUP_ALERT_EXPECT): a type with no run yet is `never`. */
  expect?: Readonly<Record<string, number>>;
  escalateAfter: number;
  /** Over the centre: clashes and skewed clocks (ReadModel.hostNotes). */
  notes?: readonly HostNote[];
}

export function judge(facts: HostTypeFacts, options: JudgeOptions): HostTypeStatus {
  const { latestRun: latest, latestSuccess: success } = facts;
  const maxAgeMs =
    options.maxAgeOverrideMs ??
    facts.maxAgeMs ??
    options.expect?.[facts.job ?? facts.type] ??
    options.maxAgeMs;
  const successAgeMs = success
    ? options.now.getTime() - Date.parse(success.finishedAt ?? success.startedAt)
    : null;
  const stale = maxAgeMs !== undefined && (successAgeMs === null || successAgeMs > maxAgeMs);
  let health: Health = 'ok';
  if (!latest) health = 'never';
  else if (latest.status === 'failure' || latest.status === 'abandoned') health = 'failed';
  else if (stale) health = facts.runningRun ? 'running' : 'stale';
  return {
    host: facts.host,
    job: facts.job ?? facts.type,
    type: facts.type,
    health,
    latestRun: latest,
    runningRun: facts.runningRun,
    latestSuccess: success,
    successAgeMs,
    maxAgeMs: maxAgeMs ?? null,
    consecutiveFailures: facts.consecutiveFailures,
    escalate: facts.consecutiveFailures >= options.escalateAfter,
  };
}

/** Judges every host × type, adding the expected types a host has never run. */
export function statusReport(facts: readonly HostTypeFacts[], options: JudgeOptions): StatusReport {
  const all = [...facts];
  if (options.expect) {
    const seen = new Set(facts.map((f) => `${f.host ?? ''}\u0000${f.type}`));
    const hosts = [...new Set(facts.map((f) => f.host))];
    for (const host of hosts) {
      for (const type of Object.keys(options.expect)) {
        if (seen.has(`${host ?? ''}\u0000${type}`)) continue;
        all.push({
          host,
          type,
          latestRun: null,
          latestSuccess: null,
          runningRun: null,
          consecutiveFailures: 0,
        });
      }
    }
  }
  const types = all.map((f) => judge(f, options));
  const bad = types.some((s) => s.health === 'failed' || s.health === 'stale' || s.health === 'never');
  const clash = options.notes?.some((note) => note.clash !== null) ?? false;
  return {
    healthy: types.length > 0 && !bad && !clash,
    checkedAt: options.now.toISOString(),
    maxAgeMs: options.maxAgeOverrideMs ?? options.maxAgeMs ?? null,
    types,
    ...(options.notes ? { hosts: hostReports(types, options.notes) } : {}),
  };
}

/** Every reason per host, worst first; hosts with none and a clock within a minute left out. */
function hostReports(types: readonly HostTypeStatus[], notes: readonly HostNote[]): HostReport[] {
  const byHost = new Map<string, HostReport>();
  const entry = (host: string) => {
    const found = byHost.get(host) ?? { host, reasons: [], clockSkewMs: 0, clash: null };
    byHost.set(host, found);
    return found;
  };
  for (const note of notes) {
    const report = entry(note.host);
    report.clockSkewMs = note.clockSkewMs;
    report.clash = note.clash;
    if (note.clash) report.reasons.push({ health: 'clash', type: null });
  }
  for (const s of types) {
    if (s.health !== 'ok') entry(s.host ?? '').reasons.push({ health: s.health, type: s.type });
  }
  const rank = (r: HostReport['reasons'][number]) => REASON_ORDER.indexOf(r.health);
  const reports = [...byHost.values()];
  for (const report of reports) report.reasons.sort((a, b) => rank(a) - rank(b));
  const worst = (r: HostReport) => (r.reasons[0] ? rank(r.reasons[0]) : REASON_ORDER.length);
  return reports.sort((a, b) => worst(a) - worst(b) || a.host.localeCompare(b.host));
}
