import { FLEET } from './migrations/01-fleet.js';
import { SERVE } from './migrations/02-serve.js';
import { RUNNING } from './migrations/03-running.js';
import { FUNCTIONS } from './migrations/04-functions.js';
import { STORMS } from './migrations/05-storms.js';
import { HOST_SUMMARY } from './migrations/06-host-summary.js';
import { STORM_REMINDERS } from './migrations/07-storm-reminders.js';
import { COUNTS_BY_JOB } from './migrations/08-counts-by-job.js';
import type { CentreMigration } from './migrations/centre-migration.js';

export type { CentreMigration } from './migrations/centre-migration.js';

/** The centre's schema, one entry per version, in order. */
export const CENTRE_MIGRATIONS: readonly CentreMigration[] = [
  FLEET,
  SERVE,
  RUNNING,
  FUNCTIONS,
  STORMS,
  HOST_SUMMARY,
  STORM_REMINDERS,
  COUNTS_BY_JOB,
];
