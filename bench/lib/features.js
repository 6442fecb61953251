// What the success path pays for issues 12 and 16, on the big history (1 M runs
// in full mode): the metrics file (BACKUP_ALERT_METRICS_FILE), a heartbeat ping
// to a loopback server (BACKUP_ALERT_PING_URL) and the false-success checks
// (--artifact), each against the same run without it, interleaved. Every case
// is checked to have really done its work (file written, pings received, size
// recorded), so a renamed setting cannot pass as "free".
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { bigDb } from './databases.js';
import { deltaRow } from './figures.js';
import { interleave } from './measure.js';
import { startHttpSink } from './servers.js';

const PLAIN = 'plain run';
const METRICS = 'BACKUP_ALERT_METRICS_FILE';
const PING = 'BACKUP_ALERT_PING_URL (loopback)';
const ARTIFACT = '--artifact';

async function run(b) {
  const big = await bigDb(b);
  const sink = await startHttpSink();
  const stop = b.onCleanup(() => sink.close());
  try {
    const dir = join(b.tmp, 'features');
    mkdirSync(dir, { recursive: true });
    const metricsFile = join(dir, 'textfile', 'backup-alert.prom');
    mkdirSync(join(dir, 'textfile'));
    const artifact = join(dir, 'backup.tar');
    // The same script everywhere (it writes the archive); only --artifact checks it.
    const args = (...flags) => [
      'run',
      '--type',
      'daily',
      '--script',
      b.scripts['artifact.sh'],
      '--db',
      big.db,
      ...flags,
      '--',
      artifact,
    ];
    const runs = b.full ? 21 : 11;
    const warmup = 2;
    const result = await interleave(
      [
        { name: PLAIN, run: () => b.cliUsage(args()) },
        {
          name: METRICS,
          run: () => b.cliUsage(args(), { extraEnv: { BACKUP_ALERT_METRICS_FILE: metricsFile } }),
        },
        {
          name: PING,
          run: () =>
            b.cliUsage(args(), {
              extraEnv: { BACKUP_ALERT_PING_URL: sink.url('ping/5bf66975-d4c7-4bf5-bcc8-b8d8a82ea278') },
            }),
        },
        { name: ARTIFACT, run: () => b.cliUsage(args('--artifact', artifact)) },
      ],
      { runs, warmup },
    );
    const evidence = proof(big.db, metricsFile, sink.count('ping'), runs + warmup);
    return { rows: big.rows, result, evidence };
  } finally {
    stop();
  }
}

/** What shows each feature really ran; a missing piece fails the bench. */
function proof(db, metricsFile, pings, runs) {
  if (!existsSync(metricsFile)) throw new Error(`features: ${metricsFile} was never written`);
  // A start and a success ping for every run.
  if (pings < 2 * runs) throw new Error(`features: ${pings} pings for ${runs} runs (expected ${2 * runs})`);
  const sqlite = new Database(db, { readonly: true });
  try {
    const sized = sqlite
      .prepare('SELECT count(*) FROM backup_logs WHERE artifact_bytes IS NOT NULL')
      .pluck()
      .get();
    if (sized < runs)
      throw new Error(`features: only ${sized} runs recorded an artifact size (expected ${runs})`);
    return { metricsBytes: statSync(metricsFile).size, pings, runsWithArtifactSize: sized };
  } finally {
    sqlite.close();
  }
}

function targets({ rows, result }) {
  const n = `${rows.toLocaleString('en')} runs`;
  return [
    {
      issue: '16',
      ...deltaRow(`run --artifact (false-success checks), ${n}`, result[ARTIFACT], result[PLAIN], PLAIN, 3, {
        targetText: 'no measurable cost (≤ +3 ms)',
      }),
    },
    {
      issue: '12',
      ...deltaRow(`success path + metrics file, ${n}`, result[METRICS], result[PLAIN], PLAIN, 5),
    },
    {
      issue: '12',
      ...deltaRow(`success path + ping to a loopback server, ${n}`, result[PING], result[PLAIN], PLAIN, 10),
    },
  ];
}

export const features = {
  id: 'features',
  title: 'success path: metrics file, ping, --artifact (issues 12, 16)',
  run,
  targets,
};
