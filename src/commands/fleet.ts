import type { FleetConfig } from '../config/fleet.js';
import { redactDatabaseUrl } from '../config/fleet.js';
import type { CommandContext } from '../context.js';
import { FleetError } from '../fleet/errors.js';
import type { FleetStatus } from '../fleet/health.js';
import { migrateFleet } from '../fleet/migrate.js';
import { formatDuration } from '../shared/duration.js';
import { ExitCode } from '../shared/exit-codes.js';
import { colourStatus, table } from '../shared/table.js';
import { VERSION } from '../shared/version.js';
import { readFleetStatus } from './fleet-status.js';
import { requireFleet } from './sync.js';

/** `backup-alert fleet migrate`: creates or upgrades the centre's schema (run with the owner's URL). */
export async function fleetMigrateCommand(
  _options: object,
  ctx: CommandContext,
  fleetConfig: FleetConfig | undefined,
): Promise<number> {
  const fleet = requireFleet(fleetConfig);
  const where = redactDatabaseUrl(fleet.databaseUrl);
  try {
    const report = await migrateFleet(fleet, { version: VERSION });
    ctx.io.stdout(
      report.applied.length === 0
        ? `The centre (${where}) is up to date: schema version ${report.to}.\n`
        : `Migrated the centre (${where}) from schema version ${report.from} to ${report.to}.\n`,
    );
    return ExitCode.ok;
  } catch (error) {
    if (!(error instanceof FleetError)) throw error;
    ctx.io.stderr(`backup-alert: fleet migrate failed (${error.code}): ${error.message}\n`);
    return ExitCode.failed;
  }
}

export interface FleetHostsOptions {
  json?: boolean;
}

/** One line per host: `fleet hosts --json`. */
export interface HostJson {
  host: string;
  health: string;
  lastSeenAt: string;
  lastSeenAgeMs: number;
  version: string | null;
  clockSkewMs: number;
  expectations: Record<string, number>;
}

export function hostsJson(status: FleetStatus): HostJson[] {
  return status.hosts.map((host) => ({
    host: host.host,
    health: host.health,
    lastSeenAt: host.lastSeenAt.toISOString(),
    lastSeenAgeMs: host.lastSeenAgeMs,
    version: host.version,
    clockSkewMs: host.clockSkewMs,
    expectations: host.expectations,
  }));
}

/** A clock off by more than this is worth a word in the table: ages and staleness lean on it. */
const SKEW_NOTED_MS = 60_000;

/** `backup-alert fleet hosts`: every host with when it was last seen, its version and health. */
export async function fleetHostsCommand(
  options: FleetHostsOptions,
  ctx: CommandContext,
  fleetConfig: FleetConfig | undefined,
): Promise<number> {
  const fleet = requireFleet(fleetConfig);
  let status: FleetStatus;
  try {
    status = await readFleetStatus(fleet, {}, undefined);
  } catch (error) {
    if (!(error instanceof FleetError)) throw error;
    ctx.io.stderr(`backup-alert: cannot read the centre (${error.code}): ${error.message}\n`);
    return ExitCode.failed;
  }
  if (options.json) {
    ctx.io.stdout(`${JSON.stringify(hostsJson(status), null, 2)}\n`);
    return status.healthy ? ExitCode.ok : ExitCode.failed;
  }
  if (status.hosts.length === 0) {
    ctx.io.stdout('No host has reported to the centre yet.\n');
    return ExitCode.failed;
  }
  const rows = [['HOST', 'HEALTH', 'LAST SEEN', 'VERSION', 'PROMISES', 'CLOCK']];
  for (const host of status.hosts) {
    const promises = Object.entries(host.expectations)
      .map(([type, ms]) => `${type}=${formatDuration(ms)}`)
      .join(',');
    const skew =
      Math.abs(host.clockSkewMs) < SKEW_NOTED_MS
        ? 'ok'
        : `${host.clockSkewMs > 0 ? '+' : '-'}${formatDuration(Math.abs(host.clockSkewMs))}`;
    rows.push([
      host.host,
      colourStatus(host.health === 'ok' ? 'OK' : host.health.toUpperCase(), ctx.io.color),
      `${formatDuration(host.lastSeenAgeMs)} ago`,
      host.version ?? '-',
      promises || '-',
      skew,
    ]);
  }
  ctx.io.stdout(`${await table(rows)}\n`);
  return status.healthy ? ExitCode.ok : ExitCode.failed;
}
