import { LOCK_DOWN_FUNCTIONS } from './04-functions.js';
import type { CentreMigration } from './centre-migration.js';

/**
 * The run counters by job (issue 21 at the centre): backup_log_counts gains the job in its
 * key, so the fleet's /metrics has one series per host × job, as each host's own textfile
 * does. Keyed by type, two daily jobs of one host (a database dump and a file archive) were
 * one series, and the failed one could hide behind the other. Rebuilt from the history in
 * one pass (what migration 2 did); the trigger function restates each statement by job too.
 * The API's totals sum over it as before. Hosts write as before: compatible with 1.
 */
export const COUNTS_BY_JOB: CentreMigration = {
  version: 8,
  compatibleWith: 1,
  sql: `
  LOCK TABLE backup_logs IN SHARE MODE;
  DELETE FROM backup_log_counts;
  ALTER TABLE backup_log_counts ADD COLUMN job text NOT NULL;
  ALTER TABLE backup_log_counts DROP CONSTRAINT backup_log_counts_pkey;
  ALTER TABLE backup_log_counts ADD PRIMARY KEY (host, job, type, status);
  INSERT INTO backup_log_counts (host, job, type, status, n)
    SELECT host, job, type, status, count(*) FROM backup_logs GROUP BY 1, 2, 3, 4;

  CREATE OR REPLACE FUNCTION backup_log_counts_track() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO backup_log_counts AS c (host, job, type, status, n)
        SELECT host, job, type, status, count(*) FROM new_rows GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (host, job, type, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO backup_log_counts AS c (host, job, type, status, n)
        SELECT host, job, type, status, sum(d) FROM (
          SELECT host, job, type, status, 1 AS d FROM new_rows
          UNION ALL SELECT host, job, type, status, -1 FROM old_rows) x
        GROUP BY 1, 2, 3, 4 HAVING sum(d) <> 0 ORDER BY 1, 2, 3, 4
        ON CONFLICT (host, job, type, status) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
      UPDATE backup_log_counts c SET n = c.n - d.n
        FROM (SELECT host, job, type, status, count(*) AS n FROM old_rows GROUP BY 1, 2, 3, 4) d
       WHERE c.host = d.host AND c.job = d.job AND c.type = d.type AND c.status = d.status;
    END IF;
    RETURN NULL;
  END $fn$;
  ${LOCK_DOWN_FUNCTIONS}
  `,
};
