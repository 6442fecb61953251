// The per-process figures, run the way cron runs the CLI, each mode loading only what it
// needs (as the CLI's lazy command chunks do):
//   node fleet-cli.mjs status   (BENCH_URL)            → status --fleet --nagios
//   node fleet-cli.mjs record   (BENCH_DB)             → a run's SQLite work only (the baseline)
//   node fleet-cli.mjs sync     (BENCH_DB, BENCH_URL)  → the same, then the end-of-run ship
import { writeFileSync } from 'node:fs';

function fleetConfig(databaseUrl, host) {
  return {
    databaseUrl,
    host,
    expectations: { daily: 26 * 3_600_000 },
    syncTimeoutMs: 60_000,
    syncJitterMs: 0,
    secrets: [databaseUrl],
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
    const { fleetStatusCommand } = await import('../../src/commands/fleet-status.ts');
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
  const { Store } = await import('../../src/store/store.ts');
  const store = Store.open(process.env.BENCH_DB);
  try {
    recordRun(store);
    if (mode === 'sync') {
      const { syncOnce } = await import('../../src/fleet/sync.ts');
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

// CPU time of the whole process, for figures that a loaded machine's wall clock blurs.
if (process.env.BENCH_CPU_FILE) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(process.env.BENCH_CPU_FILE, String((usage.userCPUTime + usage.systemCPUTime) / 1000));
  });
}
await cli(process.argv[2]);
