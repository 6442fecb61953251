// The cost of e-mail (issue 15): the success path with e-mail configured (a
// loopback smtp-server that greets at once) over the same run without, and the
// failure path with no e-mail configured over the same script succeeding. Whether
// e-mail code is loaded on each path is the "loads" section's (loads.js).
import { deltaRow, fmtMs, infoRow } from './figures.js';
import { interleave } from './measure.js';
import { startSmtpSink } from './servers.js';

const exitFailed = (r) => (r.code === 1 ? undefined : `expected exit 1, got ${r.code}`);

const OK = 'success, no e-mail';
const OK_MAIL = 'success, e-mail configured';
const FAIL = 'failure, no e-mail';

export function emailEnv(port) {
  return { BACKUP_ALERT_EMAIL: 'ops@example.com', SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port) };
}

async function run(b) {
  const smtp = await startSmtpSink();
  const stop = b.onCleanup(() => smtp.close());
  try {
    // exit.sh prints one line and exits with $1: the same script on both paths.
    const runArgs = (name, code) => [
      'run',
      '--type',
      'daily',
      '--script',
      b.scripts['exit.sh'],
      '--db',
      b.dbPath(`email-${name}`),
      '--',
      String(code),
    ];
    const runs = b.full ? 21 : 11;
    const warmup = 2;
    const result = await interleave(
      [
        { name: OK, run: () => b.cliUsage(runArgs('ok', 0)) },
        // The first run checks SMTP (runbook §6 step 5); what is measured is the steady state.
        { name: OK_MAIL, run: () => b.cliUsage(runArgs('mail', 0), { extraEnv: emailEnv(smtp.port) }) },
        { name: FAIL, run: () => b.cliUsage(runArgs('fail', 1)), check: exitFailed },
      ],
      { runs, warmup },
    );
    return {
      result,
      smtp: {
        greetingMs: smtp.greetingMs,
        connections: smtp.connections,
        messages: smtp.accepted.length,
        runsWithEmail: runs + warmup,
      },
    };
  } finally {
    stop();
  }
}

function targets({ result, smtp }) {
  const failure = deltaRow(
    'failure path, no e-mail configured (time)',
    result[FAIL],
    result[OK],
    `${OK}, same script`,
    Number.POSITIVE_INFINITY,
  );
  return [
    deltaRow('success path, e-mail configured (SMTP greets at once)', result[OK_MAIL], result[OK], OK, 10),
    infoRow('… SMTP connections made by those runs', {
      median: `${smtp.connections} in ${smtp.runsWithEmail} runs`,
      range: `greeting after ${fmtMs(smtp.greetingMs)}`,
    }),
    // The difference is the failure path's own work (error, tail, policy); its "+0"
    // target is about e-mail code, which the "loads" section checks.
    { ...failure, target: '— (+0 e-mail code: see loads)', met: '—' },
  ].map((row) => ({ issue: '15', ...row }));
}

export const email = {
  id: 'email',
  title: 'e-mail on the success and failure paths',
  run,
  targets,
};
