import type { HttpBindings } from '@hono/node-server';
import type { Logger } from '../shared/logger.js';
import type { LoginService } from './login/service.js';
import type { PageLang } from './page/i18n.js';
import type { ReadModel } from './read-model.js';
import type { ServeTokens } from './settings.js';
import type { StartRun } from './start-run.js';

/** One audit row for an operation done through the API (runbook §9.4: backup_audit_logs). */
export interface ServeAuditEntry {
  operation: string;
  status: 'success' | 'failure';
  details: Record<string, unknown>;
  /** Who asked (a login's user); default: serve's own OS user, marked `(api)`. */
  username?: string;
  /** The client's address, for ip_address; default: this host's name. */
  ipAddress?: string;
  backupId?: string;
}

export interface TestEmailOutcome {
  ok: boolean;
  /** One line, secrets already masked by the sender (masked again here with the logger). */
  error?: string;
}

/** Everything the app needs, injected: no env, no process, no clock of its own. */
export interface ServeOptions {
  readModel: ReadModel;
  tokens: ServeTokens;
  /** Page language when `?lang=` does not say (BACKUP_ALERT_LANG). */
  lang: PageLang;
  now: () => Date;
  logger: Logger;
  /** Failures in a row that call for runbook §13 Level 2 (BACKUP_ALERT_ESCALATE_AFTER). */
  escalateAfter: number;
  /** Latest success older than this is `stale` (like `status --max-age`); none by default. */
  maxAgeMs?: number;
  /** Per-type promises (BACKUP_ALERT_EXPECT, e.g. daily=26h): override maxAgeMs, add `never` cells. */
  expect?: Readonly<Record<string, number>>;
  /** BACKUP_ALERT_TIMEZONE (IANA, not UTC): the pages show times in it too, beside UTC. */
  timeZone?: string;
  /** <meta http-equiv="refresh"> period of the pages; 0 = none. Default 60. */
  refreshSeconds?: number;
  /**
   * Over a centre of at least this many hosts, `/` shows the hosts in trouble and pages the
   * healthy ones instead of the host × job grid (pages.ts LARGE_FLEET_HOSTS by default).
   */
  largeFleetHosts?: number;
  /** Prometheus exposition for GET /metrics (src/metrics); 501 without it. */
  metricsText?: () => Promise<string>;
  /** Runbook §7.1 test e-mail (src/notify); 501 without it. */
  sendTestEmail?: (to: string) => Promise<TestEmailOutcome>;
  emailTimeoutMs?: number;
  /** Writes the audit row of a POST; a failure is logged, never answered as an error. */
  audit?: (entry: ServeAuditEntry) => void | Promise<void>;
  /** Request bodies above this are refused with 413 before they are read. Default 16 KiB. */
  maxBodyBytes?: number;
  /** Starts `backup-alert run` for POST /api/v1/backups and "Run now"; 501 without it (the centre). */
  startRun?: StartRun;
  /** Logins from the users file (POST /api/v1/auth/login) and the JWTs they hand out. */
  logins?: LoginService;
  /** Called with each request's route pattern and server time (benchmarks, metrics). */
  observe?: (route: string, ms: number) => void;
}

/** Hono's per-request context: the Node request (for the peer address) and what auth decided. */
export interface ServeEnv {
  Bindings: HttpBindings;
  Variables: { remote: string; role: 'admin' | 'read' | 'open'; user?: string };
}
