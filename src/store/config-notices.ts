import type Database from 'better-sqlite3';

/**
 * Claims today's settings-problem notice for each variable (host, UTC day): returns the
 * variables no earlier run of today has claimed. The read and the write are one statement
 * per variable inside one transaction, so concurrent runs cannot both claim one.
 */
export function claimConfigNotices(
  db: Database.Database,
  host: string,
  variables: readonly string[],
  now: Date,
): string[] {
  const day = now.toISOString().slice(0, 10);
  const insert = db.prepare(
    'INSERT OR IGNORE INTO config_problem_notices (host, variable, day, noticed_at) VALUES (?, ?, ?, ?)',
  );
  return db.transaction(() =>
    [...new Set(variables)].filter(
      (variable) => insert.run(host, variable, day, now.toISOString()).changes === 1,
    ),
  )();
}

/** The variables noticed today on this host (status reports them while they last). */
export function noticedToday(db: Database.Database, host: string, now: Date): string[] {
  const rows = db
    .prepare('SELECT variable FROM config_problem_notices WHERE host = ? AND day = ? ORDER BY variable')
    .all(host, now.toISOString().slice(0, 10)) as { variable: string }[];
  return rows.map((row) => row.variable);
}
