// `npm run demo`: the whole product in one command, no SMTP server of your own.
// Starts a local SMTP sink, runs `backup-alert run` on a backup that fails,
// shows the alert e-mail it sent (headers, text, HTML saved to a file), then
// `backup-alert history`. Exit 0 when the alert arrived, 1 otherwise.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import kleur from 'kleur';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'backup-alert.js');
const RUN_TIMEOUT_MS = 60_000;
const MAIL_WAIT_MS = 5_000;

const say = (text = '') => process.stdout.write(`${text}\n`);
const step = (text) => say(`\n${kleur.bold().cyan(`▶ ${text}`)}`);
const indent = (text) =>
  text
    .replace(/\s+$/, '')
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');

/** A local SMTP sink: no TLS, no login, keeps every message. */
async function startSink() {
  const mails = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    banner: 'backup-alert demo sink',
    closeTimeout: 500,
    onData(stream, session, callback) {
      const chunks = [];
      stream.on('data', (chunk) => chunks.push(chunk));
      stream.on('end', () => {
        mails.push({ raw: Buffer.concat(chunks), rcptTo: session.envelope.rcptTo.map((r) => r.address) });
        callback();
      });
    },
  });
  server.on('error', (error) => say(kleur.yellow(`  (SMTP sink: ${error.message})`)));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, mails, port: server.server.address().port };
}

/**
 * The shipped examples/backup.sh, pointed at a target that cannot exist (a
 * directory under a regular file, so it fails even for root): a real backup
 * failing the way real ones do.
 */
function prepareExampleBackup(dir) {
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  writeFileSync(join(data, 'app.db'), 'pretend this is a database\n');
  return {
    script: join(root, 'examples', 'backup.sh'),
    env: { BACKUP_SOURCE: data, BACKUP_TARGET: join(data, 'app.db', 'archives') },
  };
}

async function main() {
  if (!existsSync(join(root, 'dist', 'main.js'))) {
    say(kleur.red('dist/main.js is missing: run `npm run build` first (npm run demo does).'));
    return 1;
  }
  const dir = mkdtempSync(join(tmpdir(), 'backup-alert-demo-'));
  const db = join(dir, 'backup-alert.db');
  const { script, env: backupEnv } = prepareExampleBackup(dir);

  step('Starting a local SMTP sink');
  const sink = await startSink();
  say(`  listening on 127.0.0.1:${sink.port} (plays the part of your mail server)`);
  try {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: process.env.LANG ?? 'C.UTF-8',
      ...(process.env.NO_COLOR ? { NO_COLOR: process.env.NO_COLOR } : {}),
      XDG_STATE_HOME: join(dir, 'state'),
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(sink.port),
      SMTP_SECURE: 'false',
      BACKUP_ALERT_EMAIL: 'admin@example.com, ops-team@example.com',
      SYSTEM_URL: 'https://backup.example.com',
      BACKUP_ALERT_NOTIFY_TIMEOUT: '15s',
      ...backupEnv,
    };
    // cwd is the temp dir so a developer's own ./.env cannot change the demo.
    const cli = (args) =>
      execa(process.execPath, [bin, ...args], {
        cwd: dir,
        env,
        extendEnv: false,
        reject: false,
        stdin: 'ignore',
        all: true,
        timeout: RUN_TIMEOUT_MS,
      });

    step(`backup-alert run --type daily --script ${script}`);
    say(kleur.dim('  (the backup fails on purpose: its target directory cannot be created)'));
    const run = await cli(['run', '--type', 'daily', '--script', script, '--db', db]);
    say(indent(String(run.all ?? '')));
    say(
      `  ${kleur.bold('exit code')}: ${run.exitCode ?? run.signal ?? 'none'}${run.timedOut ? ' (timed out)' : ''}`,
    );

    const until = Date.now() + MAIL_WAIT_MS;
    while (sink.mails.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    const received = sink.mails[0];
    if (!received) {
      step('No alert e-mail arrived');
      say(kleur.red('  The SMTP sink received nothing. Look at the output above for the reason.'));
      return 1;
    }

    step('The alert e-mail the sink received');
    const mail = await simpleParser(received.raw);
    for (const name of ['from', 'to', 'subject', 'date', 'message-id', 'auto-submitted', 'x-priority']) {
      const value = mail.headers.get(name);
      if (value === undefined) continue;
      const text = typeof value === 'object' && 'text' in value ? value.text : String(value);
      say(`  ${kleur.bold(name.padEnd(15))} ${text}`);
    }
    say(`  ${kleur.bold('envelope to'.padEnd(15))} ${received.rcptTo.join(', ')}`);
    say(`\n  ${kleur.bold('--- text/plain ---')}`);
    say(indent(mail.text ?? '(none)'));
    if (mail.html) {
      const htmlPath = join(dir, 'alert.html');
      writeFileSync(htmlPath, mail.html);
      say(`\n  ${kleur.bold('--- text/html ---')} saved to ${htmlPath} (open it in a browser)`);
    } else {
      say(`\n  ${kleur.yellow('(no HTML part: the template was missing or broken)')}`);
    }

    step(`backup-alert history --db ${db}`);
    const history = await cli(['history', '--db', db]);
    say(indent(String(history.all ?? '')));

    say(`\n${kleur.green('✔ The failure was recorded and the alert was delivered.')}`);
    say(`  Demo files are kept in ${dir} (delete it when done).`);
    return 0;
  } finally {
    await new Promise((resolve) => sink.server.close(resolve));
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
