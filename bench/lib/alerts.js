// The earlier round's alert figures (issue 6): how fast an alert reaches a local
// SMTP server after the script exits, and that a server which never answers
// cannot hold a failing run past the notify timeout.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { emailEnv } from './email.js';
import { boundRow, fmtMs, range } from './figures.js';
import { stats } from './measure.js';
import { startSilentServer, startSmtpSink } from './servers.js';

const failed = (r) => (r.code === 1 ? undefined : `expected exit 1, got ${r.code}`);

async function latency(b) {
  const sink = await startSmtpSink();
  const stop = b.onCleanup(() => sink.close());
  const stampFile = join(b.tmp, 'exit-stamp');
  const args = [
    'run',
    '--type',
    'daily',
    '--script',
    b.scripts['fail-stamp.sh'],
    '--db',
    b.dbPath('latency'),
    '--',
    stampFile,
  ];
  const runs = b.full ? 11 : 7;
  const latencies = [];
  const walls = [];
  try {
    // The first run warms the page cache for the notification chunk; not counted.
    for (let i = 0; i < runs + 1; i++) {
      rmSync(stampFile, { force: true });
      const result = await b.cli(args, { extraEnv: emailEnv(sink.port) });
      const problem = failed(result);
      if (problem) throw new Error(`alert latency run: ${problem}\n${result.stderr}`);
      const acceptedAt = await sink.waitFor(i + 1);
      const exitedAt = Number(BigInt(readFileSync(stampFile, 'utf8').trim()) / 1000n) / 1000;
      if (i > 0) {
        latencies.push(acceptedAt - exitedAt);
        walls.push(result.ms);
      }
    }
  } finally {
    stop();
  }
  return {
    latency: { ...stats(latencies), samples: latencies },
    wall: stats(walls),
    greetingMs: sink.greetingMs,
  };
}

async function silent(b) {
  const server = await startSilentServer();
  const stop = b.onCleanup(() => server.close());
  const runs = 5;
  const extraEnv = { ...emailEnv(server.port), BACKUP_ALERT_NOTIFY_TIMEOUT: '5s' };
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
      { extraEnv },
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
    stop();
  }
}

async function run(b) {
  return { latency: await latency(b), silent: await silent(b) };
}

function targets(r) {
  const lat = r.latency.latency;
  const wall = r.silent.wall;
  return [
    boundRow(
      'alert latency: script exit → message accepted by a local SMTP server',
      { median: fmtMs(lat.median), range: range(lat), baseline: `greeting: ${fmtMs(r.latency.greetingMs)}` },
      lat.median,
      150,
      'ms',
    ),
    boundRow(
      `SMTP server that never answers, notify timeout 5 s: whole failing run${r.silent.concurrent ? ' (5 at once)' : ''}`,
      { median: fmtMs(wall.median), range: range(wall) },
      wall.max,
      6000,
      'ms',
    ),
  ].map((row) => ({ issue: '6', ...row }));
}

export const alerts = { id: 'alerts', title: 'alert latency and a silent SMTP server', run, targets };
