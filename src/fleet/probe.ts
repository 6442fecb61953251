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
  /** What this role lacks to ship: tables (SELECT, INSERT, UPDATE) before schema 4, functions (EXECUTE) since. */
  missingRights: string[];
  /** The role skips row-level security (superuser, BYPASSRLS, or owner of the tables). */
  bypassesRls: boolean;
  /** Hosts this role may write (host_roles), `*` = all. */
  mappedHosts: string[];
  /** The installation that owns this host name at the centre, if any. */
  ownerInstance: string | null;
}

const TABLES = ['hosts', 'backup_logs', 'notification_logs', 'backup_audit_logs'];
/** Since schema 4 hosts write only through these (examples/fleet/grants.sql). */
const SHIP_FUNCTIONS = ['ship_batch', 'heartbeat', 'ship_check'];
/** The schema whose hosts write through functions. */
const FUNCTIONS_SCHEMA = 4;

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
      if (schema.version >= FUNCTIONS_SCHEMA) {
        const granted = await client.query<{ name: string; ok: boolean }>(
          `SELECT f AS name, coalesce(bool_or(has_function_privilege(current_user, p.oid, 'EXECUTE')), false) AS ok
             FROM unnest($1::text[]) AS f
             LEFT JOIN pg_proc p ON p.proname = f AND p.pronamespace = current_schema()::regnamespace
            GROUP BY f`,
          [SHIP_FUNCTIONS],
        );
        probe.missingRights = granted.rows.filter((row) => !row.ok).map((row) => `${row.name}()`);
        if (!probe.missingRights.includes('ship_check()')) {
          const check = await client.query<{ allowed: boolean; owner_instance: string | null }>(
            'SELECT allowed, owner_instance::text AS owner_instance FROM ship_check($1)',
            [fleet.host],
          );
          // The function decides (the owner and superusers may ship as anyone).
          probe.mappedHosts = check.rows[0]?.allowed ? [fleet.host] : [];
          probe.bypassesRls = false;
          probe.ownerInstance = check.rows[0]?.owner_instance ?? null;
        }
        return probe;
      }
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
