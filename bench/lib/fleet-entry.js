// What the fleet bench runs, bundled by esbuild from the sources (the fleet is not in the
// CLI's command table yet). Imported for in-process figures; run as a script for the
// per-process ones, the way cron would run the CLI:
//   node fleet-entry.mjs status   BENCH_URL       → status --fleet --nagios
//   node fleet-entry.mjs record   BENCH_DB        → a run's SQLite work only (the baseline)
//   node fleet-entry.mjs sync     BENCH_DB BENCH_URL → the same, then the end-of-run ship
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fleetStatusCommand } from '../../src/commands/fleet-status.ts';
import { syncOnce } from '../../src/fleet/sync.ts';
import { Store } from '../../src/store/store.ts';

export { withCentre } from '../../src/fleet/connect.ts';
export { judgeFleet } from '../../src/fleet/health.ts';
export { migrateFleet } from '../../src/fleet/migrate.ts';
export { fleetSnapshot } from '../../src/fleet/queries.ts';
export { Store, syncOnce };

export function fleetConfig(databaseUrl, host, extra = {}) {
  return {
    databaseUrl,
    host,
    expectations: { daily: 26 * 3_600_000 },
    syncTimeoutMs: 60_000,
    syncJitterMs: 0,
    secrets: [databaseUrl],
    ...extra,
  };
}

/** The SQLite side of a successful run: the running row, then its outcome. */
function recordRun(store) {
  const started = new Date();
  const { backupId } = store.runs.insert(
    {
      type: 'daily',
      startedAt: started.toISOString(),
      script: '/bin/true',
      host: 'bench',
      pid: process.pid,
      logPathTemplate: null,
    },
    started,
  );
  store.runs.finish({
    backupId,
    type: 'daily',
    host: 'bench',
    script: '/bin/true',
    logPath: null,
    status: 'success',
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: 1,
    exitCode: 0,
    signal: null,
    errorMessage: null,
    outputTail: '',
    artifactPath: null,
    artifactBytes: null,
  });
}

async function cli(mode) {
  if (mode === 'status') {
    const io = {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      color: false,
    };
    const fleet = fleetConfig(process.env.BENCH_URL, 'monitor');
    const code = await fleetStatusCommand({ nagios: true }, { io }, fleet);
    process.exitCode = code === 3 ? 1 : 0;
    return;
  }
  const store = Store.open(process.env.BENCH_DB);
  try {
    recordRun(store);
    if (mode === 'sync') {
      const result = await syncOnce({
        db: store.db,
        fleet: fleetConfig(process.env.BENCH_URL, 'bench-run'),
        version: 'bench',
        now: () => new Date(),
      });
      if (result.error || result.remaining !== 0) {
        process.stderr.write(`${JSON.stringify(result)}\n`);
        process.exitCode = 1;
      }
    }
  } finally {
    store.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // CPU time of the whole process, for figures that a loaded machine's wall clock blurs.
  if (process.env.BENCH_CPU_FILE) {
    process.on('exit', () => {
      const usage = process.resourceUsage();
      writeFileSync(process.env.BENCH_CPU_FILE, String((usage.userCPUTime + usage.systemCPUTime) / 1000));
    });
  }
  await cli(process.argv[2]);
}
