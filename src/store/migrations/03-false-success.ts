/**
 * False success (issue 16): what `run --artifact` found. The partial index holds only the
 * successes that have a size, newest first per type, so "the last 7 sizes of daily" reads
 * 7 index entries however many runs (with or without an artifact) the history holds.
 */
export const FALSE_SUCCESS = `
  ALTER TABLE backup_logs ADD COLUMN artifact_path TEXT;
  ALTER TABLE backup_logs ADD COLUMN artifact_bytes INTEGER;
  CREATE INDEX backup_logs_artifact_sizes ON backup_logs (type, started_at DESC)
    WHERE status = 'success' AND artifact_bytes IS NOT NULL;
  `;
