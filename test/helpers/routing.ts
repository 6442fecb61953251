import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CliResult } from './cli.js';
import { ROOT, runMain } from './cli.js';
import { type ScriptedServer, scriptedServer } from './http.js';
import { tempDir } from './tmp.js';

/** The runbook OP-BKP-ALT-001 §8.1.3 statement, character for character. */
export const RUNBOOK_INSERT = `INSERT INTO notification_channels (
  channel_name,
  channel_type,
  webhook_url,
  is_active,
  notification_types
) VALUES (
  'backup-alerts-slack',
  'slack',
  'https://hooks.slack.com/services/T00000000/B00000000/XXXX',
  1,
  'backup_failure'
);`;

export const fixture = (name: string) => join(ROOT, 'test', 'fixtures', name);

export const HOUR = 3_600_000;

/** Runs SQL on the database file as an operator's sqlite3 shell would. */
export function sql(dbPath: string, text: string, ...params: unknown[]): unknown[] {
  const db = new Database(dbPath);
  try {
    const statement = db.prepare(text);
    return statement.reader ? statement.all(...params) : [statement.run(...params)];
  } finally {
    db.close();
  }
}

export interface WebhookEvent {
  event: string;
  id: string;
  subject: string;
  backupId: string;
  type: string;
  error: string;
  heldBySilence?: number;
  incident?: { id: number; openedAt: string; failedRuns: number; cause: string; reminder?: number };
  missing?: { lastSuccessAt: string | null; overdueMs: number | null; maxAgeMs: number };
  slow?: { runningForMs: number; warnAfterMs: number };
  localTimestamp?: string;
  timeZone?: string;
}

export interface RoutingSetup {
  dir: string;
  db: string;
  hook: ScriptedServer;
  env: Record<string, string>;
  /** backup-alert … through main() with the setup's database and env (and a clock, if given). */
  cli(args: string[], options?: { env?: Record<string, string>; at?: number }): Promise<CliResult>;
  run(
    script: string,
    options?: { env?: Record<string, string>; at?: number; type?: string },
  ): Promise<CliResult>;
  events(): WebhookEvent[];
}

/** A database in a temp dir and a webhook receiver as the env channel. */
export async function routingSetup(env: Record<string, string> = {}): Promise<RoutingSetup> {
  const dir = tempDir();
  const db = join(dir, 'state', 'backup-alert.db');
  const hook = await scriptedServer([{ status: 200 }]);
  const base = { BACKUP_ALERT_WEBHOOK_URL: hook.url, NODE_ENV: 'test', BACKUP_ALERT_DB: db, ...env };
  const cli: RoutingSetup['cli'] = (args, options = {}) =>
    runMain(args, {
      env: { ...base, ...options.env },
      cwd: dir,
      ...(options.at !== undefined ? { now: () => new Date(options.at!) } : {}),
    });
  return {
    dir,
    db,
    hook,
    env: base,
    cli,
    run: (script, options = {}) =>
      cli(['run', '--type', options.type ?? 'daily', '--quiet', '--script', fixture(script)], options),
    events: () => hook.requests.map((request) => JSON.parse(request.body) as WebhookEvent),
  };
}
