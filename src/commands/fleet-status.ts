import type { FleetConfig } from '../config/fleet.js';
import type { CommandContext } from '../context.js';
import { withCentre } from '../fleet/connect.js';
import { FleetError } from '../fleet/errors.js';
import {
  type FleetHealth,
  type FleetStatus,
  type HostStatus,
  judgeFleet,
  type PairStatus,
  unhealthyHosts,
} from '../fleet/health.js';
import { type FleetOverview, fleetOverview, overviewOf } from '../fleet/overview.js';
import { fleetSnapshot } from '../fleet/queries.js';
import { recentStorms, type StormRow } from '../fleet/storm-rows.js';
import { formatDuration, parseDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { colourStatus, table } from '../shared/table.js';
import { requireFleet } from './sync.js';

export interface FleetStatusOptions {
  host?: string;
  type?: string;
  job?: string;
  maxAge?: string;
  json?: boolean;
  nagios?: boolean;
}

const NAGIOS = { ok: 0, warning: 1, critical: 2, unknown: 3 } as const;
/** How many hosts a Nagios line names before "and N more". */
const NAMED = 5;

/** Reads and judges the whole fleet (or one host / type) from the centre. Throws FleetError. */
export async function readFleetStatus(
  fleet: FleetConfig,
  filter: { host?: string; type?: string; job?: string },
  maxAgeMs: number | undefined,
): Promise<FleetStatus & { storms: StormRow[] }> {
  const connect = {
    timeoutMs: fleet.syncTimeoutMs,
    applicationName: 'backup-alert status',
    secrets: fleet.secrets,
  };
  const { snapshot, storms } = await withCentre(fleet.databaseUrl, connect, async ({ client }) => ({
    snapshot: await fleetSnapshot(client, filter),
    storms: await recentStorms(client),
  }));
  return { ...judgeFleet(snapshot, maxAgeMs), storms };
}

/** Counts over the whole fleet from the summary, details of the hosts in trouble (overview.ts). */
async function readFleetOverview(fleet: FleetConfig, maxAgeMs: number | undefined): Promise<FleetOverview> {
  const connect = {
    timeoutMs: fleet.syncTimeoutMs,
    applicationName: 'backup-alert status',
    secrets: fleet.secrets,
  };
  return withCentre(fleet.databaseUrl, connect, ({ client }) => fleetOverview(client, maxAgeMs));
}

/** The storm a failed pair's latest run belongs to, if any: its hosts are shown as the storm's one row. */
function stormOf(pair: PairStatus, storms: readonly StormRow[]): StormRow | undefined {
  if (pair.health !== 'failed' || !pair.latest) return undefined;
  const id = pair.latest.backupId;
  return storms.find((storm) => storm.members.get(pair.host)?.has(id));
}

function describeStorm(storm: StormRow, shown: number): string {
  const on = storm.kind === 'target' ? `target ${storm.label}` : `error class "${storm.label}"`;
  return `storm #${storm.id}: ${storm.hostCount} hosts failed on ${on} since ${storm.openedAt} (${shown} still failed)`;
}

const age = (ms: number | null) => (ms === null ? 'never' : formatDuration(ms));

function describePair(pair: PairStatus): string {
  const what = pair.job === pair.type ? pair.type : `${pair.job} (${pair.type})`;
  switch (pair.health) {
    case 'failed':
      return `${what} failed (${pair.consecutiveFailures} in a row): ${(pair.latest?.errorMessage ?? '').slice(0, 100)}`;
    case 'never':
      return `${what} never ran`;
    case 'stale':
      return `${what} last success ${pair.successAgeMs === null ? 'never' : `${age(pair.successAgeMs)} ago`}, allowed ${age(pair.maxAgeMs)}`;
    case 'running':
      return `${what} running, last success ${age(pair.successAgeMs)} ago, allowed ${age(pair.maxAgeMs)}`;
    default:
      return `${what} ok`;
  }
}

function describeClashes(host: HostStatus): string {
  const pending = host.clashes.reduce((sum, clash) => sum + (clash.pendingRows ?? 0), 0);
  const refusals = host.clashes.reduce((sum, clash) => sum + clash.refusals, 0);
  const machines = host.clashes.length === 1 ? 'another machine' : `${host.clashes.length} other machines`;
  return `name clash: ${machines} refused as this host (${refusals === 1 ? 'once' : `${refusals} times`}, ${pending} rows not shipped): give it its own BACKUP_ALERT_HOST, or run \`backup-alert sync --take-over\` on the machine that replaced the other`;
}

/** One host's trouble in a few words: every reason, worst first, and a skewed clock. */
export function describeHost(host: HostStatus): string {
  const byJob = new Map(host.pairs.map((pair) => [pair.job, pair]));
  const reasons = host.reasons.map((reason) => {
    if (reason.health === 'clash') return describeClashes(host);
    if (reason.health === 'silent') {
      return `not seen for ${age(host.lastSeenAgeMs)} (allowed ${age(host.silentAfterMs)})`;
    }
    const pair = reason.job === null ? undefined : byJob.get(reason.job);
    return pair ? describePair(pair) : reason.health;
  });
  if (host.clockSkewed) reasons.push(`clock ${skew(host.clockSkewMs)} (ages by the centre's receipt time)`);
  return `${host.host}: ${reasons.join(', ')}`;
}

const skew = (ms: number) => `${ms > 0 ? '+' : '-'}${formatDuration(Math.abs(ms))}`;

/** The monitoring-plugin line: worst hosts named, every health counted in the perfdata. */
export function nagiosLine(status: FleetOverview): { line: string; code: number } {
  const bad = status.problems.filter((host) => host.health !== 'running');
  const warn = status.problems.filter((host) => host.health === 'running');
  const perf = [
    `'hosts'=${status.hostCount}`,
    ...(['ok', 'failed', 'silent', 'stale', 'never', 'running', 'clash'] as FleetHealth[]).map(
      (health) => `'${health}'=${status.counts[health]}`,
    ),
  ].join(' ');
  let label: keyof typeof NAGIOS;
  let text: string;
  if (status.hostCount === 0) {
    label = 'critical';
    text = 'no host has reported to the centre yet';
  } else if (bad.length > 0 || warn.length > 0) {
    label = bad.length > 0 ? 'critical' : 'warning';
    const shown = bad.length > 0 ? bad : warn;
    const more = shown.length > NAMED ? `; and ${shown.length - NAMED} more` : '';
    text = `${shown.length} of ${status.hostCount} hosts: ${shown.slice(0, NAMED).map(describeHost).join('; ')}${more}`;
  } else {
    label = 'ok';
    text = `${status.hostCount} hosts, ${status.pairCount} backup types healthy`;
  }
  // "|" starts the performance data and a newline ends the status line (monitoring-plugin rules).
  const clean = text.replace(/\|/g, '/').replace(/\s*[\r\n]+\s*/g, ' ');
  return { line: `${label.toUpperCase()} - ${clean} | ${perf}\n`, code: NAGIOS[label] };
}

function json(status: FleetStatus & { storms: StormRow[] }, maxAgeMs: number | undefined): string {
  const storms = status.storms.map(({ members, ...storm }) => ({
    ...storm,
    hosts: [...members.keys()].sort(),
  }));
  return `${JSON.stringify({ ...status, storms, maxAgeMs: maxAgeMs ?? null }, null, 2)}\n`;
}

/**
 * `status --fleet`: every host × type from the centre. Exit 0 healthy, 1 not; `--nagios`
 * 0/1/2, and 3 (UNKNOWN) when the centre cannot be read.
 */
export async function fleetStatusCommand(
  options: FleetStatusOptions,
  ctx: CommandContext,
  fleetConfig: FleetConfig | undefined,
): Promise<number> {
  let maxAgeMs: number | undefined;
  if (options.maxAge !== undefined) {
    maxAgeMs = parseDuration(options.maxAge);
    if (maxAgeMs === undefined || maxAgeMs <= 0) {
      throw new UsageError(`invalid --max-age "${options.maxAge}": use a duration like 26h or 8d`);
    }
  }
  if (options.nagios && !fleetConfig) {
    ctx.io.stdout('UNKNOWN - BACKUP_ALERT_DATABASE_URL is not set: no centre to check\n');
    return NAGIOS.unknown;
  }
  const fleet = requireFleet(fleetConfig);
  const filter = { host: options.host, type: options.type, job: options.job };
  if (options.nagios) {
    // The whole fleet from the centre's per-host summary; a filtered check reads its pairs.
    const whole = filter.host === undefined && filter.type === undefined && filter.job === undefined;
    try {
      const overview = whole
        ? await readFleetOverview(fleet, maxAgeMs)
        : overviewOf(await readFleetStatus(fleet, filter, maxAgeMs));
      const { line, code } = nagiosLine(overview);
      ctx.io.stdout(line);
      return code;
    } catch (error) {
      if (!(error instanceof FleetError)) throw error;
      ctx.io.stdout(`UNKNOWN - cannot read the centre (${error.code}): ${error.message}\n`);
      return NAGIOS.unknown;
    }
  }
  let status: FleetStatus & { storms: StormRow[] };
  try {
    status = await readFleetStatus(fleet, filter, maxAgeMs);
  } catch (error) {
    if (!(error instanceof FleetError)) throw error;
    ctx.io.stderr(`backup-alert: cannot read the centre (${error.code}): ${error.message}\n`);
    return ExitCode.failed;
  }
  if (options.json) {
    ctx.io.stdout(json(status, maxAgeMs));
    return status.healthy ? ExitCode.ok : ExitCode.failed;
  }
  if (status.hosts.length === 0) {
    ctx.io.stdout('No host has reported to the centre yet.\n');
    return ExitCode.failed;
  }
  const rows = [['HOST', 'TYPE', 'HEALTH', 'LATEST RUN', 'STATUS', 'LAST SUCCESS', 'FAILS IN A ROW']];
  // A storm's hosts are one row (the storm), not 300: their pairs are counted into it.
  const inStorm = new Map<StormRow, number>();
  const stormed = new Set<PairStatus>();
  for (const host of status.hosts) {
    for (const pair of host.pairs) {
      const storm = stormOf(pair, status.storms);
      if (!storm) continue;
      stormed.add(pair);
      inStorm.set(storm, (inStorm.get(storm) ?? 0) + 1);
    }
  }
  for (const [storm, count] of inStorm) {
    rows.push([
      `${count} hosts`,
      storm.job,
      colourStatus('STORM', ctx.io.color),
      `#${storm.id} ${storm.kind} ${storm.label}`.slice(0, 60),
      'failure',
      '-',
      '-',
    ]);
  }
  for (const host of status.hosts) {
    if (host.clashes.length > 0) {
      const refused = `${host.clashes.length} other installation(s) refused`;
      rows.push([host.host, '-', colourStatus('CLASH', ctx.io.color), '-', '-', refused, '-']);
    }
    if (host.health === 'silent' || host.pairs.length === 0) {
      const seen = `not seen for ${age(host.lastSeenAgeMs)}`;
      rows.push([host.host, '-', colourStatus(host.health.toUpperCase(), ctx.io.color), '-', '-', seen, '-']);
    }
    for (const pair of host.health === 'silent' ? [] : host.pairs) {
      if (stormed.has(pair)) continue;
      rows.push([
        pair.host,
        pair.job === pair.type ? pair.type : `${pair.job} (${pair.type})`,
        colourStatus(pair.health === 'ok' ? 'OK' : pair.health.toUpperCase(), ctx.io.color),
        pair.latest?.backupId ?? '-',
        pair.latest?.status ?? '-',
        pair.successAgeMs === null ? 'never' : `${age(pair.successAgeMs)} ago`,
        String(pair.consecutiveFailures),
      ]);
    }
  }
  ctx.io.stdout(`${await table(rows)}\n`);
  for (const [storm, count] of inStorm) ctx.io.stdout(`${describeStorm(storm, count)}\n`);
  for (const host of unhealthyHosts(status)) {
    if (host.pairs.length > 0 && host.pairs.every((pair) => pair.health !== 'failed' || stormed.has(pair))) {
      if (host.pairs.every((pair) => stormed.has(pair) || pair.health === 'ok')) continue;
    }
    ctx.io.stdout(`${describeHost(host)}\n`);
  }
  return status.healthy ? ExitCode.ok : ExitCode.failed;
}
