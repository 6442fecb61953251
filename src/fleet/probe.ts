import type { FleetConfig } from '../config/fleet.js';
import { withCentre } from './connect.js';
import { FleetError } from './errors.js';
import { CENTRE_SCHEMA_VERSION, type SchemaState, schemaState } from './schema.js';

/** What `doctor` needs to know about the centre, read in one short session. */
export interface CentreProbe {
  /** Connected; error says why not. */
  reachable: boolean;
  error?: FleetError;
  tls: boolean;
  serverVersion: string;
  schema: SchemaState;
  ourSchema: number;
  /** Tables on which this role lacks SELECT, INSERT or UPDATE. */
  missingRights: string[];
  /** The role skips row-level security (superuser, BYPASSRLS, or owner of the tables). */
  bypassesRls: boolean;
  /** Hosts this role may write (host_roles), `*` = all. */
  mappedHosts: string[];
  /** The installation that owns this host name at the centre, if any. */
  ownerInstance: string | null;
}

const TABLES = ['hosts', 'backup_logs', 'notification_logs', 'backup_audit_logs'];

/** Never throws: an unreachable centre is an answer too. */
export async function probeCentre(fleet: FleetConfig, timeoutMs = fleet.syncTimeoutMs): Promise<CentreProbe> {
  const empty: CentreProbe = {
    reachable: false,
    tls: false,
    serverVersion: '',
    schema: { version: 0, compatibleWith: 0 },
    ourSchema: CENTRE_SCHEMA_VERSION,
    missingRights: [],
    bypassesRls: false,
    mappedHosts: [],
    ownerInstance: null,
  };
  const connect = { timeoutMs, applicationName: 'backup-alert doctor', secrets: fleet.secrets };
  try {
    return await withCentre(fleet.databaseUrl, connect, async ({ client }) => {
      const info = await client.query<{ ssl: boolean | null; version: string; bypass: boolean }>(
        `SELECT (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl,
                current_setting('server_version') AS version,
                (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) AS bypass`,
      );
      const schema = await schemaState(client);
      const probe: CentreProbe = {
        ...empty,
        reachable: true,
        tls: info.rows[0]?.ssl === true,
        serverVersion: info.rows[0]?.version ?? '',
        schema,
        bypassesRls: info.rows[0]?.bypass === true,
      };
      if (schema.version === 0) return probe;
      const rights = await client.query<{ table_name: string; owner: boolean; ok: boolean }>(
        `SELECT t AS table_name,
                pg_get_userbyid(c.relowner) = current_user AS owner,
                -- One privilege per call: a list means "any of them".
                has_table_privilege(current_user, c.oid, 'SELECT')
                  AND has_table_privilege(current_user, c.oid, 'INSERT')
                  AND has_table_privilege(current_user, c.oid, 'UPDATE') AS ok
           FROM unnest($1::text[]) AS t
           JOIN pg_class c ON c.oid = to_regclass(t)`,
        [TABLES],
      );
      probe.missingRights = rights.rows.filter((row) => !row.ok).map((row) => row.table_name);
      probe.bypassesRls ||= rights.rows.length > 0 && rights.rows.every((row) => row.owner);
      const canMap = await client.query<{ ok: boolean }>(
        "SELECT has_table_privilege(current_user, 'host_roles', 'SELECT') AS ok",
      );
      if (canMap.rows[0]?.ok) {
        const mapped = await client.query<{ host: string }>(
          'SELECT host FROM host_roles WHERE role_name = current_user ORDER BY host',
        );
        probe.mappedHosts = mapped.rows.map((row) => row.host);
      }
      if (!probe.missingRights.includes('hosts')) {
        const owner = await client.query<{ instance_id: string }>(
          'SELECT instance_id::text FROM hosts WHERE host = $1',
          [fleet.host],
        );
        probe.ownerInstance = owner.rows[0]?.instance_id ?? null;
      }
      return probe;
    });
  } catch (error) {
    const failure = error instanceof FleetError ? error : new FleetError('EFLEET', String(error));
    return { ...empty, error: failure };
  }
}
