import type { Env } from './env-source.js';
import type { SecretName } from './secrets.js';
import { type ConfigProblem, parseOptionalDuration, parseWebhookUrl } from './values.js';

/** Alertmanager's own API path for clients that push alerts (API v2, Alertmanager ≥ 0.16). */
export const ALERTS_PATH = '/api/v2/alerts';
/**
 * A firing alert we send says it ends this long after it was sent, unless re-sent: long
 * enough that `watch`/`retry` from a 5-15 min timer keep it alive, short enough that an
 * alert from a host that died does not fire for ever (Prometheus uses 4 × its resend).
 */
export const DEFAULT_ALERTMANAGER_TTL_MS = 3_600_000;

/** BACKUP_ALERT_ALERTMANAGER_*: where alerts go and how we log in. Present only with a URL. */
export interface AlertmanagerSettings {
  /** Every member of an HA pair/cluster, each the full `…/api/v2/alerts` URL. Secrets (may hold a password). */
  urls: string[];
  /** Basic auth (BACKUP_ALERT_ALERTMANAGER_USER + _PASSWORD) or a bearer token (_TOKEN). */
  auth?: { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string };
  /** BACKUP_ALERT_ALERTMANAGER_TTL: endsAt of a firing alert, counted from each (re-)send. */
  ttlMs: number;
}

/** The alert's `runbook_url` annotation and `target` label come from these job settings. */
export interface AlertLabelSettings {
  /** BACKUP_ALERT_TARGET: what this job writes to (`nfs1`): Alertmanager's `target` label, the storm key. */
  target?: string;
  /** BACKUP_ALERT_RUNBOOK_URL: the runbook_url annotation. */
  runbookUrl?: string;
}

const TARGET = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/**
 * `BACKUP_ALERT_ALERTMANAGER_URL=http://am1:9093,http://am2:9093`: a base URL is given the
 * API path; a URL that already ends in it is kept. Problems never quote a URL.
 */
export function parseAlertmanagerSettings(
  env: Env,
  secret: (name: SecretName) => string | undefined,
  problems: ConfigProblem[],
): { settings?: AlertmanagerSettings; secrets: string[] } {
  const raw = secret('BACKUP_ALERT_ALERTMANAGER_URL');
  const password = secret('BACKUP_ALERT_ALERTMANAGER_PASSWORD');
  const token = secret('BACKUP_ALERT_ALERTMANAGER_TOKEN');
  const secrets = [raw, password, token].filter((value): value is string => !!value);
  if (!raw?.trim()) return { secrets };
  const urls: string[] = [];
  for (const item of raw.split(',').map((piece) => piece.trim())) {
    if (!item) continue;
    const url = parseWebhookUrl('BACKUP_ALERT_ALERTMANAGER_URL', item, problems);
    if (!url) continue;
    const base = url.replace(/\/+$/, '');
    const full = base.endsWith(ALERTS_PATH) ? base : `${base}${ALERTS_PATH}`;
    urls.push(full);
    secrets.push(item, url, full);
  }
  if (urls.length === 0) return { secrets };
  const settings: AlertmanagerSettings = {
    urls: [...new Set(urls)],
    ttlMs:
      parseOptionalDuration('BACKUP_ALERT_ALERTMANAGER_TTL', env['BACKUP_ALERT_ALERTMANAGER_TTL'], problems, {
        fallback: '1h',
      }) ?? DEFAULT_ALERTMANAGER_TTL_MS,
  };
  const user = env['BACKUP_ALERT_ALERTMANAGER_USER']?.trim();
  if (token) settings.auth = { kind: 'bearer', token };
  else if (user && password) settings.auth = { kind: 'basic', user, password };
  else if (user || password)
    problems.push({
      variable: user ? 'BACKUP_ALERT_ALERTMANAGER_PASSWORD' : 'BACKUP_ALERT_ALERTMANAGER_USER',
      message: 'basic auth needs both BACKUP_ALERT_ALERTMANAGER_USER and _PASSWORD; sending without',
    });
  if (settings.auth?.kind === 'basic')
    secrets.push(Buffer.from(`${settings.auth.user}:${settings.auth.password}`).toString('base64'));
  return { settings, secrets };
}

export function parseAlertLabelSettings(env: Env, problems: ConfigProblem[]): AlertLabelSettings {
  const settings: AlertLabelSettings = {};
  const target = env['BACKUP_ALERT_TARGET']?.trim();
  if (target) {
    if (TARGET.test(target)) settings.target = target;
    else
      problems.push({
        variable: 'BACKUP_ALERT_TARGET',
        message: 'must be 1-64 letters, digits, ".", "_", ":" or "-" (e.g. nfs1); ignored',
      });
  }
  const runbook = parseWebhookUrl('BACKUP_ALERT_RUNBOOK_URL', env['BACKUP_ALERT_RUNBOOK_URL'], problems);
  if (runbook) settings.runbookUrl = runbook;
  return settings;
}
