// What each optional feature costs: the same run with one thing switched on,
// interleaved with the plain run it is compared against.
import { join } from 'node:path';
import { interleave } from './measure.js';
import { startHttpSink, startSmtpSink } from './servers.js';

const exitOk = (r) => (r.code === 0 ? undefined : `exit ${r.code}`);
const exitFailed = (r) => (r.code === 1 ? undefined : `expected exit 1, got ${r.code}`);

export async function benchFeatures(b) {
  const smtp = await startSmtpSink();
  const http = await startHttpSink();
  const email = {
    BACKUP_ALERT_EMAIL: 'ops@example.com',
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(smtp.port),
  };
  const hook = (path) => `http://127.0.0.1:${http.port}/${path}`;
  const allChannels = {
    ...email,
    SLACK_WEBHOOK_URL: hook('services/T000/B000/XXXX'),
    TEAMS_WEBHOOK_URL: hook('webhookb2/teams'),
    BACKUP_ALERT_WEBHOOK_URL: hook('hook'),
  };
  const runs = b.full ? 11 : 7;
  try {
    const success = (name, extraEnv, flags = []) => {
      const db = b.dbPath(`feature-ok-${name.replace(/\W+/g, '-')}`);
      return {
        name,
        run: () =>
          b.cli(['run', '--type', 'daily', '--script', b.scripts['ok.sh'], '--db', db, ...flags], {
            extraEnv,
          }),
        check: exitOk,
      };
    };
    const successResult = await interleave(
      [
        success('plain', {}),
        success('--quiet', {}, ['--quiet']),
        success('--no-lock', {}, ['--no-lock']),
        // run checks SMTP beside the backup when e-mail is on (incl. smtp-server's 100 ms greeting hold-back).
        success('e-mail configured', email),
        success('e-mail configured, NODE_ENV=test (no SMTP check)', { ...email, NODE_ENV: 'test' }),
        success('all four channels configured', allChannels),
        success('BACKUP_ALERT_LOG_FILE', { BACKUP_ALERT_LOG_FILE: join(b.tmp, 'app.log') }),
        success('BACKUP_ALERT_RETENTION=90d', { BACKUP_ALERT_RETENTION: '90d' }),
      ],
      { runs, warmup: 1 },
    );

    const failure = (name, extraEnv) => {
      const db = b.dbPath(`feature-fail-${name.replace(/\W+/g, '-')}`);
      return {
        name,
        run: () =>
          b.cli(['run', '--type', 'daily', '--script', b.scripts['fail-noisy.sh'], '--db', db], { extraEnv }),
        check: exitFailed,
      };
    };
    const failureResult = await interleave(
      [
        failure('failure, no channel', {}),
        failure('failure + BACKUP_ALERT_REDACT', { BACKUP_ALERT_REDACT: 'password=\\S+,token=\\S+' }),
        failure('failure + e-mail', email),
        failure('failure + generic webhook', { BACKUP_ALERT_WEBHOOK_URL: hook('hook') }),
        failure('failure + all four channels', allChannels),
      ],
      { runs, warmup: 1 },
    );
    return { success: successResult, failure: failureResult };
  } finally {
    await smtp.close();
    await http.close();
  }
}
