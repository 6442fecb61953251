// What each other optional setting costs (the earlier round's table, issue 6):
// the same run with one thing switched on, interleaved with the plain run of its
// group. No targets; the table says where the time goes.
import { join } from 'node:path';
import { emailEnv } from './email.js';
import { fmtMs, range, signed } from './figures.js';
import { interleave } from './measure.js';
import { startHttpSink, startSmtpSink } from './servers.js';

const exitFailed = (r) => (r.code === 1 ? undefined : `expected exit 1, got ${r.code}`);

async function run(b) {
  const smtp = await startSmtpSink();
  const http = await startHttpSink();
  const stop = b.onCleanup(() => {
    smtp.close();
    http.close();
  });
  const email = emailEnv(smtp.port);
  const allChannels = {
    ...email,
    SLACK_WEBHOOK_URL: http.url('services/T000/B000/XXXX'),
    TEAMS_WEBHOOK_URL: http.url('webhookb2/teams'),
    BACKUP_ALERT_WEBHOOK_URL: http.url('hook'),
  };
  const runs = b.full ? 11 : 7;
  const caseOf =
    (script, check) =>
    (name, extraEnv, flags = []) => {
      const db = b.dbPath(`option-${name.replace(/\W+/g, '-')}`);
      return {
        name,
        run: () =>
          b.cli(['run', '--type', 'daily', '--script', b.scripts[script], '--db', db, ...flags], {
            extraEnv,
          }),
        ...(check ? { check } : {}),
      };
    };
  const success = caseOf('ok.sh');
  const failure = caseOf('fail-noisy.sh', exitFailed);
  try {
    const successResult = await interleave(
      [
        success('plain success', {}),
        success('--quiet', {}, ['--quiet']),
        success('--no-lock', {}, ['--no-lock']),
        success('all four channels configured', allChannels),
        success('BACKUP_ALERT_LOG_FILE', { BACKUP_ALERT_LOG_FILE: join(b.tmp, 'app.log') }),
        success('BACKUP_ALERT_RETENTION=90d', { BACKUP_ALERT_RETENTION: '90d' }),
      ],
      { runs, warmup: 2 },
    );
    const failureResult = await interleave(
      [
        failure('failure, no channel', {}),
        failure('failure + BACKUP_ALERT_REDACT', { BACKUP_ALERT_REDACT: 'password=\\S+,token=\\S+' }),
        failure('failure + e-mail', email),
        failure('failure + generic webhook', { BACKUP_ALERT_WEBHOOK_URL: http.url('hook') }),
        failure('failure + all four channels', allChannels),
      ],
      { runs, warmup: 1 },
    );
    return { success: successResult, failure: failureResult };
  } finally {
    stop();
  }
}

function tables(r) {
  const group = (result, base) =>
    Object.entries(result).map(([name, s]) => ({
      option: name,
      median: fmtMs(s.median),
      range: range(s),
      cost: name === base ? '—' : signed(s.median - result[base].median),
    }));
  return [
    {
      title: 'Other settings (median wall time of a run; cost against the first run of its group)',
      columns: [
        ['option', 'run'],
        ['median', 'median'],
        ['range', 'min–max'],
        ['cost', 'cost'],
      ],
      rows: [...group(r.success, 'plain success'), ...group(r.failure, 'failure, no channel')],
    },
  ];
}

export const options = { id: 'options', title: 'what the other settings cost', run, tables };
