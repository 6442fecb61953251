import type Database from 'better-sqlite3';
import { FLEET_VARIABLES, type FleetConfig, redactDatabaseUrl } from '../../config/fleet.js';
import type { ConfigProblem } from '../../config/values.js';
import type { CommandContext } from '../../context.js';
import { FleetErrorCode } from '../../fleet/errors.js';
import { type CentreProbe, probeCentre } from '../../fleet/probe.js';
import { errorMessage } from '../../shared/errors.js';
import { backlogSize, instanceId } from '../../store/outbox.js';
import { bad, type Check, ok, skip } from './checks.js';

const REMEDY: Partial<Record<string, string>> = {
  [FleetErrorCode.refused]:
    'check the host and port in BACKUP_ALERT_DATABASE_URL, and that PostgreSQL listens there',
  [FleetErrorCode.notFound]: 'check the host name in BACKUP_ALERT_DATABASE_URL (DNS)',
  [FleetErrorCode.timedOut]: 'check firewalls between this host and the centre',
  [FleetErrorCode.auth]:
    'check the user and password in BACKUP_ALERT_DATABASE_URL, and pg_hba.conf on the centre',
  [FleetErrorCode.tls]: 'check sslmode and sslrootcert in BACKUP_ALERT_DATABASE_URL',
  [FleetErrorCode.noDatabase]: 'create the database (examples/fleet/roles.sql) or fix its name in the URL',
  [FleetErrorCode.tooManyClients]: 'raise max_connections on the centre or put PgBouncer in front',
};

const LOOPBACK = /^(127\.|::1$|localhost$|\/)/;

/** The centre: reachable, schema version, this role's rights, and this host's backlog (doctor). */
export async function checkCentre(
  fleet: FleetConfig | undefined,
  problems: readonly ConfigProblem[],
  db: Database.Database | null,
  timeoutMs?: number,
): Promise<Check[]> {
  const title = 'Fleet centre';
  const mine = problems.filter((p) => (FLEET_VARIABLES as readonly string[]).includes(p.variable));
  if (!fleet) {
    if (mine.length > 0) {
      return mine.map((p) =>
        bad('fail', `centre.${p.variable}`, title, `${p.variable} ${p.message}`, `fix ${p.variable}`),
      );
    }
    return [skip('centre', title, 'BACKUP_ALERT_DATABASE_URL unset: this host reports to no centre')];
  }
  const checks: Check[] = mine.map((p) =>
    bad('warn', `centre.${p.variable}`, title, `${p.variable} ${p.message}`, `fix ${p.variable}`),
  );
  const where = redactDatabaseUrl(fleet.databaseUrl);
  const probe = await probeCentre(fleet, timeoutMs);
  checks.push(reachability(probe, where, fleet));
  if (probe.reachable) checks.push(schema(probe), rights(probe, fleet, db));
  checks.push(backlog(db));
  return checks;
}

function reachability(probe: CentreProbe, where: string, fleet: FleetConfig): Check {
  const title = 'Fleet centre reachable';
  if (!probe.reachable) {
    const code = probe.error?.code ?? FleetErrorCode.other;
    return bad(
      'fail',
      'centre',
      title,
      `${where}: ${code}: ${probe.error?.message ?? ''}`,
      REMEDY[code] ?? 'see the message',
    );
  }
  const detail = `${where} as host ${fleet.host} (PostgreSQL ${probe.serverVersion}${probe.tls ? ', TLS' : ''})`;
  const host = new URL(fleet.databaseUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  if (!probe.tls && !LOOPBACK.test(host)) {
    return bad(
      'warn',
      'centre',
      title,
      `${detail}: not encrypted`,
      'add sslmode=verify-full (and sslrootcert=) to the URL',
    );
  }
  return ok('centre', title, detail);
}

function schema(probe: CentreProbe): Check {
  const title = 'Fleet centre schema';
  const { version, compatibleWith } = probe.schema;
  if (version > probe.ourSchema && compatibleWith > probe.ourSchema) {
    return bad(
      'fail',
      'centre-schema',
      title,
      `version ${version}, newer than this backup-alert (${probe.ourSchema})`,
      'upgrade backup-alert on this host',
    );
  }
  if (version < probe.ourSchema) {
    return bad(
      'warn',
      'centre-schema',
      title,
      version === 0 ? 'no schema yet' : `version ${version}; this backup-alert needs ${probe.ourSchema}`,
      "run `backup-alert fleet migrate` with the owner's BACKUP_ALERT_DATABASE_URL (sync does it when its role may)",
    );
  }
  return ok('centre-schema', title, `version ${version}`);
}

function rights(probe: CentreProbe, fleet: FleetConfig, db: Database.Database | null): Check {
  const title = 'Fleet centre rights';
  if (probe.schema.version === 0) return skip('centre-rights', title, 'no schema yet');
  if (probe.missingRights.length > 0) {
    return bad(
      'fail',
      'centre-rights',
      title,
      `this role may not ship: it lacks ${probe.missingRights.join(', ')}`,
      'grant them: psql -d backup_alert -f examples/fleet/grants.sql, and put the role in backup_alert_host',
    );
  }
  const mapped = probe.mappedHosts.includes(fleet.host) || probe.mappedHosts.includes('*');
  if (!probe.bypassesRls && !mapped) {
    return bad(
      'fail',
      'centre-rights',
      title,
      `this role may not ship as host ${fleet.host} (host_roles)`,
      `map it: psql -d backup_alert -v host=${fleet.host} ... -f examples/fleet/add-host.sql, or fix BACKUP_ALERT_HOST`,
    );
  }
  let ours: string | null = null;
  try {
    ours = db ? instanceId(db) : null;
  } catch {
    // a read-only database has no instance id yet: nothing to compare
  }
  if (ours && probe.ownerInstance && probe.ownerInstance !== ours) {
    return bad(
      'warn',
      'centre-rights',
      title,
      `host name ${fleet.host} belongs to another installation at the centre: syncs are refused`,
      'give this host its own BACKUP_ALERT_HOST, or run `backup-alert sync --take-over` if it replaces the old one',
    );
  }
  return ok('centre-rights', title, `may write the fleet tables for host ${fleet.host}`);
}

function backlog(db: Database.Database | null): Check {
  const title = 'Fleet backlog';
  if (!db) return skip('centre-backlog', title, 'no local database yet');
  try {
    const { total, byTable } = backlogSize(db);
    if (total === 0) return ok('centre-backlog', title, 'nothing waiting to ship');
    const parts = Object.entries(byTable)
      .filter(([, n]) => n > 0)
      .map(([table, n]) => `${n} ${table}`);
    return bad(
      'warn',
      'centre-backlog',
      title,
      `${total} rows waiting (${parts.join(', ')})`,
      'run `backup-alert sync`',
    );
  } catch (error) {
    return bad('fail', 'centre-backlog', title, errorMessage(error), 'check the local database');
  }
}

/** doctor's centre lines, with the local backlog read from the database when there is one. */
export async function centreChecks(ctx: CommandContext): Promise<Check[]> {
  if (!ctx.config.fleet) return checkCentre(undefined, ctx.problems, null);
  let store: ReturnType<CommandContext['openStore']> | undefined;
  try {
    store = ctx.openStore();
  } catch {
    // The database line above already says why; the centre is still worth checking.
  }
  try {
    return await checkCentre(ctx.config.fleet, ctx.problems, store?.db ?? null);
  } finally {
    store?.close();
  }
}
