import { writeFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { serveCommand } from '../../src/commands/serve.js';
import type { RunningServer } from '../../src/serve/server.js';
import { fakeSignals } from '../helpers/cli.js';
import { commandContext } from '../helpers/context.js';
import { NOW, seedFleet } from '../helpers/serve.js';
import { httpsRequest, writeCert } from '../helpers/tls.js';
import { tempDir } from '../helpers/tmp.js';

const TOKEN = 'serve-tls-read-token-0123456789';

function context(env: Record<string, string>) {
  const { dbPath } = seedFleet(tempDir());
  const { ctx, out } = commandContext(
    { BACKUP_ALERT_DB: dbPath, BACKUP_ALERT_LANG: 'en', ...env },
    { now: () => NOW, hostname: 'serve-host', username: 'operator' },
  );
  return { ctx, log: () => out.stdout + out.stderr };
}

/** Polls until `check` passes (a SIGHUP reload reads the files asynchronously); at most 5 s. */
async function eventually(check: () => Promise<void> | void): Promise<void> {
  const until = Date.now() + 5000;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

describe('serve over TLS', () => {
  it('answers HTTPS with the given pair, swaps it on SIGHUP without dropping the listener, keeps it when the new files are bad', async () => {
    const dir = tempDir();
    const first = await writeCert(dir, 'first');
    const second = await writeCert(dir, 'second');
    const { ctx, log } = context({
      BACKUP_ALERT_API_TOKEN: TOKEN,
      BACKUP_ALERT_TLS_CERT: first.certPath,
      BACKUP_ALERT_TLS_KEY_FILE: first.keyPath,
    });
    const signals = fakeSignals();
    let failure: unknown;
    const ca = [first.cert, second.cert];
    const code = await serveCommand({ listen: '127.0.0.1:0' }, ctx, signals, {
      onListening: (server: RunningServer) => {
        (async () => {
          expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
          const auth = { Authorization: `Bearer ${TOKEN}` };
          const url = new URL('/api/v1/backups?status=failure&limit=10', server.url).href;
          const before = await httpsRequest(url, { ca, headers: auth });
          expect(before).toMatchObject({ status: 200, peerCn: 'first' });
          expect(JSON.parse(before.body).data.total).toBe(12);
          // A connection opened before the reload keeps working after it.
          const held = connect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost' });
          await new Promise<void>((resolve, reject) =>
            held.once('secureConnect', resolve).once('error', reject),
          );
          // The paths stay, the files change under them (as certbot renews).
          writeFileSync(first.certPath, second.cert);
          writeFileSync(first.keyPath, (await import('node:fs')).readFileSync(second.keyPath));
          signals.emit('SIGHUP');
          await eventually(async () => {
            expect((await httpsRequest(url, { ca, headers: auth })).peerCn).toBe('second');
          });
          held.write(`GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
          const answer = await new Promise<string>((resolve) => {
            let text = '';
            held.on('data', (chunk: Buffer) => {
              text += chunk.toString();
            });
            held.on('end', () => resolve(text));
          });
          expect(answer).toMatch(/^HTTP\/1\.1 200/);
          // A key that is not the certificate's: the old pair stays and the log says why.
          writeFileSync(first.keyPath, (await writeCert(tempDir(), 'stray')).cert);
          signals.emit('SIGHUP');
          await eventually(() => expect(log()).toContain('keeping the current TLS certificate'));
          expect((await httpsRequest(url, { ca, headers: auth })).peerCn).toBe('second');
        })()
          .catch((error: unknown) => {
            failure = error;
          })
          .finally(() => signals.emit('SIGTERM'));
      },
    });
    if (failure) throw failure;
    expect(code).toBe(0);
    expect(log()).toMatch(/Listening on https:\/\/127\.0\.0\.1:\d+\//);
    expect(log()).toContain(`SIGHUP received; TLS certificate reloaded from ${first.certPath}`);
    expect(log()).not.toContain('PRIVATE KEY');
  });

  it('does not start (exit 78) when the key does not belong to the certificate', async () => {
    const dir = tempDir();
    const a = await writeCert(dir, 'a');
    const b = await writeCert(dir, 'b');
    const { ctx, log } = context({});
    const code = await serveCommand(
      { listen: '127.0.0.1:0', tlsCert: a.certPath, tlsKey: b.keyPath },
      ctx,
      fakeSignals(),
    );
    expect(code).toBe(78);
    expect(log()).toContain(
      `not starting: the TLS certificate ${a.certPath} and key ${b.keyPath} cannot be used`,
    );
  });
});

describe('serve and a refused token', () => {
  it.each([
    ['BACKUP_ALERT_API_TOKEN', 'Zq7tok3n', 'is shorter than 16 characters'],
    ['BACKUP_ALERT_ADMIN_TOKEN', 'has a space in it 0123456789', 'holds spaces'],
    ['BACKUP_ALERT_API_TOKEN_FILE', '/nonexistent/token', 'cannot read /nonexistent/token'],
  ])(
    'stops with exit 78 when %s cannot be used, instead of serving open on loopback',
    async (name, value, why) => {
      const { ctx, log } = context({ [name]: value });
      let listened = false;
      const code = await serveCommand({ listen: '127.0.0.1:0' }, ctx, fakeSignals(), {
        onListening: () => {
          listened = true;
        },
      });
      expect(code).toBe(78);
      expect(listened).toBe(false);
      expect(log()).toContain(why);
      expect(log()).toMatch(
        /\[ERROR\] \[Serve\] not starting: BACKUP_ALERT_(API|ADMIN)_TOKEN cannot be used/,
      );
      if (!name.endsWith('_FILE')) expect(log()).not.toContain(value);
    },
  );
});
