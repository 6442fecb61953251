import type Database from 'better-sqlite3';
import { CORE } from './migrations/01-core.js';
import { METRICS } from './migrations/02-metrics.js';
import { FALSE_SUCCESS } from './migrations/03-false-success.js';
import { SERVE } from './migrations/04-serve.js';
import { ROUTING } from './migrations/05-routing.js';
import { FLEET_OUTBOX } from './migrations/06-fleet-outbox.js';
import { DEFECTS } from './migrations/07-defects.js';
import { PERFORMANCE } from './migrations/08-performance.js';
import { RUNNING } from './migrations/09-running.js';
import { JOBS } from './migrations/10-jobs.js';
import { SUPERSEDED_PINGS } from './migrations/11-superseded-pings.js';
import { CONFIG_PROBLEMS } from './migrations/12-config-problems.js';
import { METRICS_JOBS } from './migrations/13-metrics-jobs.js';
import { INCIDENT_STORMS } from './migrations/14-incident-storms.js';

/**
 * Migrations by PRAGMA user_version: index i brings the schema from version i to i+1.
 * Column names follow runbook OP-BKP-ALT-001 §9.3/§9.4 so its SQL runs as written.
 * Timestamps are ISO 8601 UTC text: sortable, readable in the sqlite3 shell.
 */
export const MIGRATIONS: readonly string[] = [
  CORE,
  METRICS,
  FALSE_SUCCESS,
  SERVE,
  ROUTING,
  FLEET_OUTBOX,
  DEFECTS,
  PERFORMANCE,
  RUNNING,
  JOBS,
  SUPERSEDED_PINGS,
  CONFIG_PROBLEMS,
  METRICS_JOBS,
  INCIDENT_STORMS,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The schema version just before the migration whose SQL contains `marker` (tests build old databases with it). */
export function versionBefore(marker: string): number {
  const index = MIGRATIONS.findIndex((sql) => sql.includes(marker));
  if (index < 0) throw new Error(`no migration contains ${marker}`);
  return index;
}

/**
 * Brings the schema to `target` (the latest by default). Many runs may open a new database
 * at the same moment (cron firing several types at once): each step reads user_version
 * *inside* a BEGIN IMMEDIATE transaction, so the second opener waits for the first to
 * commit and then finds the step done, instead of replaying it ("table backup_logs already exists").
 */
export function migrate(db: Database.Database, target: number = SCHEMA_VERSION): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  const step = db.transaction((): boolean => {
    const current = version();
    if (current > SCHEMA_VERSION) {
      throw new Error(
        `database schema version ${current} is newer than this backup-alert understands (${SCHEMA_VERSION}); upgrade backup-alert`,
      );
    }
    if (current >= target) return false;
    db.exec(MIGRATIONS[current]!);
    db.pragma(`user_version = ${current + 1}`);
    return true;
  });
  // The common case (up to date) is one read, without taking the write lock.
  if (version() === target) return;
  while (step.immediate()) {
    // One step per transaction, each re-reading the version under the lock.
  }
}
