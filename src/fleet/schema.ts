import type { ClientBase } from 'pg';

/**
 * The centre's schema, one entry per version. `compatibleWith`: the oldest version a host
 * must understand to keep writing after this one is applied (an added index or column keeps
 * older hosts shipping; a changed key does not), so a fleet can upgrade host by host.
 * Column names are the runbook's (§9.3, §9.4) plus `host`; timestamps are timestamptz.
 */
export interface CentreMigration {
  version: number;
  compatibleWith: number;
  sql: string;
}

/** Which hosts' rows a role may read and write (`*` = all): row-level security reads it. */
const ALLOWED = `(host = ANY (ARRAY(SELECT m.host FROM host_roles m WHERE m.role_name = current_user))
    OR '*' = ANY (ARRAY(SELECT m.host FROM host_roles m WHERE m.role_name = current_user)))`;

const policies = (table: string) => `
  ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;
  CREATE POLICY ${table}_read ON ${table} FOR SELECT USING ${ALLOWED};
  CREATE POLICY ${table}_insert ON ${table} FOR INSERT WITH CHECK ${ALLOWED};
  CREATE POLICY ${table}_update ON ${table} FOR UPDATE USING ${ALLOWED} WITH CHECK ${ALLOWED};`;

export const CENTRE_MIGRATIONS: readonly CentreMigration[] = [
  {
    version: 1,
    compatibleWith: 1,
    sql: `
  CREATE TABLE hosts (
    host          text PRIMARY KEY,
    instance_id   uuid NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at  timestamptz NOT NULL,
    version       text,
    expectations  jsonb NOT NULL DEFAULT '{}',
    types         text[] NOT NULL DEFAULT '{}',
    clock_skew_ms bigint NOT NULL DEFAULT 0
  );
  CREATE INDEX hosts_last_seen ON hosts (last_seen_at);

  CREATE TABLE backup_logs (
    host           text NOT NULL,
    backup_id      text NOT NULL,
    instance_id    uuid NOT NULL,
    local_id       bigint NOT NULL,
    revision       bigint NOT NULL,
    type           text NOT NULL,
    status         text NOT NULL,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    duration_ms    bigint,
    exit_code      integer,
    signal         text,
    error_message  text,
    output_tail    text,
    script         text,
    log_path       text,
    artifact_path  text,
    artifact_bytes bigint,
    received_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (host, backup_id)
  );
  CREATE INDEX backup_logs_host_type_started ON backup_logs (host, type, started_at DESC);
  CREATE INDEX backup_logs_host_type_success ON backup_logs (host, type, started_at DESC)
    WHERE status = 'success';
  CREATE INDEX backup_logs_started ON backup_logs (started_at DESC);
  CREATE INDEX backup_logs_status_started ON backup_logs (status, started_at DESC);

  CREATE TABLE notification_logs (
    host              text NOT NULL,
    instance_id       uuid NOT NULL,
    local_id          bigint NOT NULL,
    revision          bigint NOT NULL,
    notification_type text NOT NULL,
    channel           text NOT NULL,
    recipient         text,
    subject           text,
    status            text NOT NULL,
    error_message     text,
    sent_at           timestamptz,
    attempts          integer NOT NULL DEFAULT 0,
    backup_id         text,
    created_at        timestamptz NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now(),
    -- created_at too: SQLite may hand out a row id again once every row was pruned.
    PRIMARY KEY (host, instance_id, local_id, created_at)
  );
  CREATE INDEX notification_logs_sent_at ON notification_logs (sent_at DESC);
  CREATE INDEX notification_logs_status ON notification_logs (status, created_at DESC);

  CREATE TABLE backup_audit_logs (
    host        text NOT NULL,
    instance_id uuid NOT NULL,
    local_id    bigint NOT NULL,
    revision    bigint NOT NULL,
    operation   text NOT NULL,
    backup_id   text,
    username    text,
    ip_address  text,
    status      text NOT NULL,
    details     text,
    created_at  timestamptz NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    -- created_at too: SQLite may hand out a row id again once every row was pruned.
    PRIMARY KEY (host, instance_id, local_id, created_at)
  );
  CREATE INDEX backup_audit_logs_created ON backup_audit_logs (created_at DESC);

  CREATE TABLE host_roles (
    role_name name NOT NULL,
    host      text NOT NULL,
    PRIMARY KEY (role_name, host)
  );
  ALTER TABLE host_roles ENABLE ROW LEVEL SECURITY;
  CREATE POLICY host_roles_own ON host_roles FOR SELECT USING (role_name = current_user);
  ${policies('hosts')}
  ${policies('backup_logs')}
  ${policies('notification_logs')}
  ${policies('backup_audit_logs')}
  `,
  },
];

export const CENTRE_SCHEMA_VERSION = CENTRE_MIGRATIONS.at(-1)?.version ?? 0;

/** A constant key for pg_advisory_xact_lock: one migrator at a time across the fleet. */
const MIGRATION_LOCK = 0x6261_6b61_6c65_7274n; // "bakalert"

export interface SchemaState {
  /** 0: no schema yet. */
  version: number;
  /** The oldest host version that may still write to it. */
  compatibleWith: number;
}

export async function schemaState(client: ClientBase): Promise<SchemaState> {
  // pg_class read as a table, not to_regclass(): after waiting on the advisory lock the
  // session's catalog cache may still remember "no such table" from before the wait.
  const exists = await client.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relname = 'schema_version' AND n.nspname = current_schema()) AS present`,
  );
  if (!exists.rows[0]?.present) return { version: 0, compatibleWith: 0 };
  const result = await client.query<{ version: number; compatible_with: number }>(
    'SELECT version, compatible_with FROM schema_version ORDER BY version DESC LIMIT 1',
  );
  const row = result.rows[0];
  return row
    ? { version: row.version, compatibleWith: row.compatible_with }
    : { version: 0, compatibleWith: 0 };
}

/**
 * Applies the missing migrations in one transaction under an advisory lock: fifty hosts
 * upgrading at 03:00 wait for the first, then find nothing left to do. Returns the versions
 * applied. Errors (a role without CREATE, say) propagate with PostgreSQL's SQLSTATE.
 */
export async function migrateCentre(client: ClientBase, appVersion: string): Promise<number[]> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK.toString()]);
    const state = await schemaState(client);
    if (state.version === 0) {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_version (
        version         integer PRIMARY KEY,
        compatible_with integer NOT NULL,
        applied_at      timestamptz NOT NULL DEFAULT now(),
        applied_by      text NOT NULL DEFAULT current_user,
        app_version     text
      )`);
    }
    const applied: number[] = [];
    for (const migration of CENTRE_MIGRATIONS) {
      if (migration.version <= state.version) continue;
      await client.query(migration.sql);
      await client.query(
        'INSERT INTO schema_version (version, compatible_with, app_version) VALUES ($1, $2, $3)',
        [migration.version, migration.compatibleWith, appVersion],
      );
      applied.push(migration.version);
    }
    await client.query('COMMIT');
    return applied;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}
