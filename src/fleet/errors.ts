import { errorCode, errorMessage } from '../shared/errors.js';

/** Stable codes of what can go wrong with the centre; `transient` ones simply wait for the next sync. */
export const FleetErrorCode = {
  refused: 'ECONNREFUSED',
  notFound: 'ENOTFOUND',
  timedOut: 'ETIMEDOUT',
  lost: 'ECONNLOST',
  tls: 'ETLS',
  auth: 'EAUTH',
  noDatabase: 'ENODB',
  permission: 'EPERM',
  tooManyClients: 'ETOOMANY',
  unavailable: 'EUNAVAILABLE',
  schemaOld: 'ESCHEMAOLD',
  schemaNew: 'ESCHEMANEW',
  hostClash: 'EHOSTCLASH',
  other: 'EFLEET',
} as const;
export type FleetErrorCode = (typeof FleetErrorCode)[keyof typeof FleetErrorCode];

const TRANSIENT: ReadonlySet<FleetErrorCode> = new Set([
  FleetErrorCode.refused,
  FleetErrorCode.timedOut,
  FleetErrorCode.lost,
  FleetErrorCode.tooManyClients,
  FleetErrorCode.unavailable,
]);

/** One line for people, with a stable code; never the URL or the password. */
export class FleetError extends Error {
  readonly code: FleetErrorCode;
  constructor(code: FleetErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FleetError';
    this.code = code;
  }
  /** The centre is down, busy or slow: nothing to fix here, the backlog waits. */
  get transient(): boolean {
    return TRANSIENT.has(this.code);
  }
}

/** Where we were talking to, for messages: host:port is not a secret, the URL is. */
export interface Endpoint {
  host: string;
  port: number;
  user: string;
  database: string;
}

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/**
 * Turns whatever pg, net or tls threw into a FleetError. PostgreSQL's SQLSTATE decides where
 * there is one; the text is masked against `secrets` all the same (a server may echo input).
 */
export function toFleetError(error: unknown, endpoint: Endpoint, secrets: readonly string[]): FleetError {
  if (error instanceof FleetError) return error;
  const at = `${endpoint.host}:${endpoint.port}`;
  const code = errorCode(error);
  const text = mask(oneLine(errorMessage(error)), secrets);
  const make = (fleetCode: FleetErrorCode, message: string) =>
    new FleetError(fleetCode, mask(message, secrets), { cause: error });
  switch (code) {
    case '28P01':
    case '28000':
      return make(
        FleetErrorCode.auth,
        `authentication failed for user "${endpoint.user}" at ${at}: check the user and password in BACKUP_ALERT_DATABASE_URL (and pg_hba.conf)`,
      );
    case '3D000':
      return make(FleetErrorCode.noDatabase, `database "${endpoint.database}" does not exist at ${at}`);
    case '42501':
      if (/row-level security/i.test(text)) {
        return make(
          FleetErrorCode.permission,
          `role "${endpoint.user}" may not write rows of this host name at ${at} (row-level security): map the role to BACKUP_ALERT_HOST in host_roles, or fix BACKUP_ALERT_HOST`,
        );
      }
      if (/may not ship as host/i.test(text)) {
        return make(
          FleetErrorCode.permission,
          `role "${endpoint.user}" may not ship as this host name at ${at}: map the role to BACKUP_ALERT_HOST in host_roles (examples/fleet/add-host.sql), or fix BACKUP_ALERT_HOST`,
        );
      }
      if (/permission denied for function/i.test(text)) {
        return make(
          FleetErrorCode.permission,
          `permission denied at ${at}: ${text}: hosts ship through the centre's functions; run examples/fleet/grants.sql as the owner (again after every upgrade) and make the role a member of backup_alert_host`,
        );
      }
      return make(FleetErrorCode.permission, `permission denied at ${at}: ${text}`);
    case '53300':
      return make(
        FleetErrorCode.tooManyClients,
        `the centre at ${at} has too many clients; the backlog waits for the next sync (put PgBouncer in front for large fleets)`,
      );
    case '57P01':
    case '57P02':
    case '57P03':
    case '08006':
    case '08003':
      return make(FleetErrorCode.unavailable, `the centre at ${at} is restarting or shutting down: ${text}`);
    case '57014':
      return make(FleetErrorCode.timedOut, `the centre at ${at} did not finish in time (statement timeout)`);
    case '55P03':
      return make(FleetErrorCode.timedOut, `the centre at ${at} kept a lock too long (lock timeout)`);
    case 'ECONNREFUSED':
      return make(
        FleetErrorCode.refused,
        `connection refused by ${at}: is PostgreSQL running and listening there?`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return make(FleetErrorCode.notFound, `cannot resolve the centre's host name "${endpoint.host}"`);
    case 'ETIMEDOUT':
      return make(FleetErrorCode.timedOut, `no answer from ${at} in time (firewall, or the server is hung)`);
    case 'ECONNRESET':
    case 'EPIPE':
      return make(FleetErrorCode.lost, `the connection to ${at} was lost: ${text}`);
  }
  if (code && TLS_CODES.has(code)) {
    return make(FleetErrorCode.tls, `TLS with ${at} failed (${code}): check sslmode and sslrootcert`);
  }
  if (/does not support SSL/i.test(text)) {
    return make(FleetErrorCode.tls, `the centre at ${at} does not offer TLS, but sslmode asks for it`);
  }
  if (/timeout expired|connection timeout|Query read timeout/i.test(text)) {
    return make(FleetErrorCode.timedOut, `no answer from ${at} in time (firewall, or the server is hung)`);
  }
  if (/Connection terminated/i.test(text)) {
    return make(FleetErrorCode.lost, `the connection to ${at} was lost: ${text}`);
  }
  return make(FleetErrorCode.other, `the centre at ${at} answered: ${text}${code ? ` (${code})` : ''}`);
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

export function mask(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) if (secret.length >= 4) masked = masked.split(secret).join('***');
  return masked;
}
