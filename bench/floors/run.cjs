// The least any Node implementation of `run` could do: open SQLite, insert a
// row, spawn the script, update the row. Not backup-alert; a floor that shows
// how much of the ratio to `node -e 0` is the platform's (see docs/performance.md).
// Usage: node bench/floors/run.cjs DB SCRIPT
const { spawn } = require('node:child_process');
const Database = require('better-sqlite3');

const [dbPath, script] = process.argv.slice(2);
const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec(
  'CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY, status TEXT, started_at TEXT, finished_at TEXT)',
);
const { lastInsertRowid } = db
  .prepare("INSERT INTO runs (status, started_at) VALUES ('running', ?)")
  .run(new Date().toISOString());
const child = spawn(script, [], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
child.stdout.resume();
child.stderr.resume();
child.on('close', (code) => {
  db.prepare('UPDATE runs SET status = ?, finished_at = ? WHERE id = ?').run(
    code === 0 ? 'success' : 'failure',
    new Date().toISOString(),
    lastInsertRowid,
  );
  db.close();
});
