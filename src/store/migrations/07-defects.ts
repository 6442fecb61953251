/**
 * Defects (issue 10): an exclusive claim on a notification while one process sends it.
 * A lease rather than a 'sending' status: SQLite cannot change the status CHECK without
 * rebuilding the table (and every trigger other migrations hang on it); a row with a
 * lease in the future is "being sent", and a lease that ran out frees a crashed sender's row.
 * And `status` follows the latest *finished* run (a lock-busy row written while the real
 * run was still going must not outrank its later success): an index by finish time.
 */
export const DEFECTS = `
  ALTER TABLE notification_logs ADD COLUMN lease_until TEXT;
  ALTER TABLE notification_logs ADD COLUMN claimed_by TEXT;
  CREATE INDEX backup_logs_type_finished ON backup_logs (type, finished_at DESC);
  `;
