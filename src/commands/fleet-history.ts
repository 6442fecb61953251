import type { FleetConfig } from '../config/fleet.js';
import type { CommandContext } from '../context.js';
import { withCentre } from '../fleet/connect.js';
import { FleetError } from '../fleet/errors.js';
import { type FleetRun, fleetHistory } from '../fleet/history.js';
import { formatDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { checkInteger, LIMIT_BOUNDS } from '../shared/numbers.js';
import { colourStatus, table } from '../shared/table.js';
import { requireFleet } from './sync.js';

export interface FleetHistoryOptions {
  host?: string;
  type?: string;
  job?: string;
  status?: string;
  limit: string;
  json?: boolean;
}

/** `history --fleet`: every host's runs from the centre, newest first; `--json` an array. */
export async function fleetHistoryCommand(
  options: FleetHistoryOptions,
  ctx: CommandContext,
  fleetConfig: FleetConfig | undefined,
): Promise<number> {
  const checked = checkInteger(options.limit, LIMIT_BOUNDS);
  if (!checked.ok) throw new UsageError(`invalid --limit ${checked.problem}`);
  const limit = checked.value;
  const fleet = requireFleet(fleetConfig);
  const connect = {
    timeoutMs: fleet.syncTimeoutMs,
    applicationName: 'backup-alert history',
    secrets: fleet.secrets,
  };
  let runs: FleetRun[];
  try {
    runs = await withCentre(fleet.databaseUrl, connect, ({ client }) =>
      fleetHistory(client, {
        limit,
        ...(options.host ? { host: options.host } : {}),
        ...(options.type ? { type: options.type } : {}),
        ...(options.job ? { job: options.job } : {}),
        ...(options.status ? { status: options.status } : {}),
      }),
    );
  } catch (error) {
    if (!(error instanceof FleetError)) throw error;
    ctx.io.stderr(`backup-alert: cannot read the centre (${error.code}): ${error.message}\n`);
    return ExitCode.failed;
  }
  if (options.json) {
    ctx.io.stdout(`${JSON.stringify(runs, null, 2)}\n`);
    return ExitCode.ok;
  }
  if (runs.length === 0) {
    ctx.io.stdout('No runs match.\n');
    return ExitCode.ok;
  }
  const lines = [['HOST', 'BACKUP ID', 'TYPE', 'STATUS', 'STARTED (UTC)', 'DURATION', 'EXIT', 'ERROR']];
  for (const run of runs) {
    lines.push([
      run.host,
      run.backupId,
      run.job === run.type ? run.type : `${run.job} (${run.type})`,
      colourStatus(run.status, ctx.io.color),
      run.startedAt.replace('T', ' ').slice(0, 19),
      run.durationMs === null ? '-' : formatDuration(run.durationMs),
      run.exitCode === null ? (run.signal ?? '-') : String(run.exitCode),
      run.errorMessage ?? '',
    ]);
  }
  ctx.io.stdout(`${await table(lines)}\n`);
  return ExitCode.ok;
}
