import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Config } from '../config/config.js';
import { errorCode } from '../shared/errors.js';
import { explainTooLarge } from '../shared/exec-limits.js';
import type { Logger } from '../shared/logger.js';
import { redactUrl } from '../shared/redact.js';
import { alertSubject, plainTextBody, singleLine } from './message.js';
import { type Alert, type AlertKind, DeliveryError, type Notifier, type SendReport } from './types.js';

/**
 * The Apprise bridge: the alert handed to the `apprise` command (Debian's `apprise`
 * package), which reaches 100+ services from one URL list. The URLs are secrets: they are
 * written to a 0600 file in a fresh 0700 directory and passed with `--config`, so they never
 * appear in `ps` or in our output; the body goes in on stdin. One run per alert, bounded by
 * the notify timeout (killed when it fires); its exit status decides sent or pending.
 */

export const APPRISE_COMMAND = 'apprise';
/** What Apprise may print that we keep for the error message. */
const OUTPUT_LIMIT = 4096;
/** SIGTERM first; what ignores it is killed this long after. */
const KILL_GRACE_MS = 500;

const APPRISE_TYPE: Record<AlertKind, 'info' | 'success' | 'warning' | 'failure'> = {
  failure: 'failure',
  recovery: 'success',
  test: 'info',
  suspect: 'warning',
  'suspect-growth': 'warning',
  missing: 'failure',
  slow: 'warning',
  reminder: 'warning',
  'config-problem': 'warning',
};

/** The executable on PATH, or undefined: looked up before spawning, so a missing one is one clear line. */
export function findOnPath(command: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** `json://127.0.0.1:8080/…`: each URL shown as scheme and host only. */
export function describeAppriseUrls(urls: readonly string[]): string {
  return urls.map(redactUrl).join(',');
}

/** Loggers already told that apprise is missing: one [WARN] per command, however many channels. */
const warnedMissing = new WeakSet<Logger>();

/**
 * The Apprise channel for `urls` (BACKUP_ALERT_APPRISE_URLS, or a registered channel's);
 * undefined when there are none, or when `apprise` is not installed (with one [WARN]).
 */
export function createAppriseNotifier(
  config: Config,
  logger: Logger,
  urls: readonly string[] = config.routing.appriseUrls,
): Notifier | undefined {
  if (urls.length === 0) return undefined;
  const env = config.routing.appriseEnv;
  const command = findOnPath(APPRISE_COMMAND, env['PATH']);
  if (!command) {
    if (!warnedMissing.has(logger)) {
      warnedMissing.add(logger);
      logger.warn(
        'Apprise',
        'the apprise command is not installed (not found on PATH): every Apprise channel is skipped; install it (apt install apprise, or pipx install apprise)',
      );
    }
    return undefined;
  }
  return {
    channel: 'apprise',
    recipient: describeAppriseUrls(urls),
    async send(alert: Alert, signal: AbortSignal): Promise<SendReport> {
      const subject = alertSubject(alert, config.lang);
      const body = plainTextBody(
        alert,
        config.lang,
        config.systemUrl,
        config.routing.timeZone,
        config.systemName,
      );
      await runApprise({ command, urls, title: subject, body, type: APPRISE_TYPE[alert.kind], env, signal });
      return { attempts: 1, subject };
    },
  };
}

interface AppriseRun {
  command: string;
  urls: readonly string[];
  title: string;
  body: string;
  type: string;
  env: Record<string, string>;
  signal: AbortSignal;
}

/** Runs apprise once; resolves on exit 0, rejects with a DeliveryError that never holds a URL. */
async function runApprise(run: AppriseRun): Promise<void> {
  if (run.signal.aborted) {
    throw new DeliveryError('apprise not started: notify timeout already reached', {
      attempts: 0,
      permanent: false,
      code: 'ETIMEDOUT',
    });
  }
  // mkdtemp makes the directory 0700; the file is 0600 too. Removed whatever happens.
  const dir = await mkdtemp(join(run.env['TMPDIR'] || tmpdir(), 'backup-alert-apprise-'));
  try {
    const targets = join(dir, 'targets.txt');
    await writeFile(targets, `${run.urls.join('\n')}\n`, { mode: 0o600 });
    const args = ['-v', '-n', run.type, '-t', singleLine(run.title), '--config', targets];
    const { code, signal, output, aborted } = await spawnBounded(
      run.command,
      args,
      run.body,
      run.env,
      run.signal,
    );
    if (code === 0) return;
    if (aborted) {
      throw new DeliveryError('apprise did not finish within the notify timeout; it was killed', {
        attempts: 1,
        permanent: false,
        code: 'ETIMEDOUT',
      });
    }
    const why = lastProblem(output);
    const status = code === null ? `was killed by ${signal ?? 'a signal'}` : `exited with status ${code}`;
    // Apprise exits 1 for "a service did not accept it": worth another try from `retry`.
    throw new DeliveryError(`apprise ${status}${why ? `: ${why}` : ''}`, {
      attempts: 1,
      permanent: false,
      code: code === null ? 'APPRISE_SIGNAL' : `APPRISE_EXIT_${code}`,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  aborted: boolean;
}

function spawnBounded(
  command: string,
  args: string[],
  stdin: string,
  env: Record<string, string>,
  signal: AbortSignal,
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (error) {
      // spawn throws at once for E2BIG (an environment string over 128 KiB): say which.
      const code = errorCode(error) ?? 'ESPAWN';
      const why = code === 'E2BIG' ? explainTooLarge(command, args, env) : code;
      reject(
        new DeliveryError(`apprise could not be started: ${why}`, { attempts: 0, permanent: false, code }),
      );
      return;
    }
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      aborted = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      reject(
        new DeliveryError(
          error.code === 'ENOENT'
            ? 'the apprise command is not installed (not found on PATH)'
            : `apprise could not be started (${error.code ?? 'error'})`,
          { attempts: 1, permanent: error.code === 'ENOENT', code: error.code ?? 'ESPAWN', cause: error },
        ),
      );
    });
    child.once('close', (code, exitSignal) => {
      signal.removeEventListener('abort', onAbort);
      clearTimeout(killTimer);
      resolve({ code, signal: exitSignal, output, aborted });
    });
    // A child that exits before reading its stdin must not crash us with EPIPE.
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  });
}

/**
 * The last WARNING/ERROR line Apprise printed, without its timestamp, with any
 * `scheme://…` reduced to scheme and host (some plugins print their URL).
 */
export function lastProblem(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.replace(/^\d{4}-\d\d-\d\d [\d:,.]+ - /, '').trim())
    .filter((line) => /^(WARNING|ERROR|CRITICAL) - /.test(line) && !/^ERROR - You must specify/.test(line));
  const line = lines.at(-1) ?? '';
  // Punctuation that ends a sentence is not part of the URL.
  const scrubbed = line.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (match) => {
    const url = match.replace(/[.,:;)]+$/, '');
    return redactUrl(url) + match.slice(url.length);
  });
  return singleLine(scrubbed).slice(0, 300);
}
