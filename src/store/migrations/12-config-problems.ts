/**
 * Issue 23: an invalid setting reaches people as a `config_problem` notice, at most once a
 * day per setting and host. One row per (host, variable, UTC day) that was noticed: the
 * primary key makes the claim atomic, so two runs at the same moment send one notice.
 */
export const CONFIG_PROBLEMS = `
  CREATE TABLE config_problem_notices (
    host TEXT NOT NULL,
    variable TEXT NOT NULL,
    day TEXT NOT NULL,
    noticed_at TEXT NOT NULL,
    PRIMARY KEY (host, variable, day)
  );
  `;
