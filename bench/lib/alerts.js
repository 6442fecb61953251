// The failure path: how fast an alert reaches a local SMTP server, and that a
// server which never answers cannot hold the run past the notify timeout.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stats } from './measure.js';
import { startSilentServer, startSmtpSink } from './servers.js';

const failed = (r) => (r.code === 1 ? undefined : `expected exit 1, got ${r.code}`);

export async function benchAlertLatency(b) {
  const sink = await startSmtpSink();
  const db = b.dbPath('latency');
  const stampFile = join(b.tmp, 'exit-stamp');
  const extraEnv = {
    BACKUP_ALERT_EMAIL: 'ops@example.com',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(sink.port),
    // The SMTP check beside the backup is a separate connection made while the script runs;
    // its cost is in the feature table. Here only the alert itself is timed.
    NODE_ENV: 'test',
  };
  const args = [
    'run',
    '--type',
    'daily',
    '--script',
    b.scripts['fail-stamp.sh'],
    '--db',
    db,
    '--',
    stampFile,
  ];
  const runs = b.full ? 11 : 7;
  const latencies = [];
  const serverWaits = [];
  const walls = [];
  try {
    // The first run warms the page cache for the notification chunk; not counted.
    for (let i = 0; i < runs + 1; i++) {
      rmSync(stampFile, { force: true });
      const result = await b.cli(args, { extraEnv });
      const problem = failed(result);
      if (problem) throw new Error(`alert latency run: ${problem}\n${result.stderr}`);
      const acceptedAt = await sink.waitFor(i + 1);
      const exitedAt = Number(BigInt(readFileSync(stampFile, 'utf8').trim()) / 1000n) / 1000;
      if (i > 0) {
        latencies.push(acceptedAt - exitedAt);
        serverWaits.push(sink.greetingWait(exitedAt, acceptedAt));
        walls.push(result.ms);
      }
    }
  } finally {
    await sink.close();
  }
  const own = latencies.map((ms, i) => ms - serverWaits[i]);
  return {
    /** Exit → accepted, all of it. */
    latency: stats(latencies),
    /** The same less smtp-server's own greeting hold-back: what backup-alert spends. */
    ownLatency: stats(own),
    serverGreetingWait: stats(serverWaits),
    wall: stats(walls),
    samples: latencies,
  };
}

export async function benchSilentSmtp(b) {
  const server = await startSilentServer();
  const runs = 5;
  const extraEnv = {
    BACKUP_ALERT_EMAIL: 'ops@example.com',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(server.port),
    BACKUP_ALERT_NOTIFY_TIMEOUT: '5s',
  };
  // Each run has its own database so they can overlap in quick mode: the time is
  // spent waiting on a socket, not on the CPU, so running them together measures the same bound.
  const one = (i) =>
    b.cli(
      [
        'run',
        '--type',
        'daily',
        '--script',
        b.scripts['fail-stamp.sh'],
        '--db',
        b.dbPath(`silent-${i}`),
        '--',
        join(b.tmp, `stamp-${i}`),
      ],
      {
        extraEnv,
      },
    );
  try {
    const results = [];
    if (b.full) {
      for (let i = 0; i < runs; i++) results.push(await one(i));
    } else {
      results.push(...(await Promise.all(Array.from({ length: runs }, (_, i) => one(i)))));
    }
    for (const result of results) {
      const problem = failed(result);
      if (problem) throw new Error(`silent SMTP run: ${problem}\n${result.stderr}`);
    }
    return { wall: stats(results.map((r) => r.ms)), concurrent: !b.full };
  } finally {
    await server.close();
  }
}
