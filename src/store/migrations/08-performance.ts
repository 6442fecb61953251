/**
 * Performance (issue 15): "newest first, newest id first on a tie" read straight off an
 * index. The first indexes were declared DESC; the rowid SQLite appends stays ascending,
 * so `ORDER BY started_at DESC, id DESC` sorted every group of equal times. Undeclared,
 * one backward walk gives both orders. (type, status, started_at) finds the latest
 * success of a type (status, the dashboard's colour) in one seek.
 */
export const PERFORMANCE = `
  DROP INDEX backup_logs_type_started;
  CREATE INDEX backup_logs_type_started ON backup_logs (type, started_at);
  DROP INDEX backup_logs_status_started;
  CREATE INDEX backup_logs_status_started ON backup_logs (status, started_at);
  DROP INDEX backup_logs_type_finished;
  CREATE INDEX backup_logs_type_finished ON backup_logs (type, finished_at);
  DROP INDEX backup_logs_artifact_sizes;
  CREATE INDEX backup_logs_artifact_sizes ON backup_logs (type, started_at)
    WHERE status = 'success' AND artifact_bytes IS NOT NULL;
  CREATE INDEX backup_logs_type_status_started ON backup_logs (type, status, started_at);
  `;
