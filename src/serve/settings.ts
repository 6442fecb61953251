import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Env } from '../config/env-source.js';
import { readSecret } from '../config/secrets.js';
import type { ConfigProblem } from '../config/values.js';
import { UsageError } from '../shared/errors.js';

export const DEFAULT_LISTEN = '127.0.0.1:8080';

/** The secrets serve adds, for the integrator's list of values to mask. */
export const SERVE_SECRET_VARIABLES = ['BACKUP_ALERT_API_TOKEN', 'BACKUP_ALERT_ADMIN_TOKEN'] as const;

/** A token shorter than this is guessable over a network; it is refused, not used. */
export const MIN_TOKEN_LENGTH = 16;

export interface ListenAddress {
  /** As given to listen(): an IP without brackets, or a name. */
  host: string;
  port: number;
  /** Only this machine can connect. */
  loopback: boolean;
}

export interface ServeTokens {
  /** BACKUP_ALERT_API_TOKEN: GET everything. */
  read?: string;
  /** BACKUP_ALERT_ADMIN_TOKEN: GET everything and POST. */
  admin?: string;
}

export interface ServeSettings {
  listen: ListenAddress;
  tokens: ServeTokens;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  if (isIPv4(host)) return LOOPBACK.check(host, 'ipv4');
  if (!isIPv6(host)) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  if (mapped) return LOOPBACK.check(mapped[1]!, 'ipv4');
  return LOOPBACK.check(host, 'ipv6');
}

const HOST_NAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** `127.0.0.1:8080`, `[::1]:8080`, `0.0.0.0:8080`, `localhost:8080`; port 0 = any free port. */
export function parseListen(text: string): ListenAddress {
  const value = text.trim();
  const bad = (why: string) =>
    new UsageError(`invalid --listen "${value}": ${why} (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080)`);
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  if (!match) throw bad('use HOST:PORT, with an IPv6 address in brackets');
  const host = match[1] ?? match[2]!;
  const port = Number(match[3]);
  if (port > 65_535) throw bad('the port must be 0-65535');
  if (match[1] !== undefined ? !isIPv6(host) : !isIPv4(host) && !HOST_NAME.test(host)) {
    throw bad(`"${host}" is not an IP address or a host name`);
  }
  return { host, port, loopback: isLoopbackHost(host) };
}

/**
 * No token, no network: an open dashboard on a non-loopback address would hand anyone who
 * can reach it every backup's errors and output.
 */
export function checkExposure(listen: ListenAddress, tokens: ServeTokens): void {
  if (listen.loopback || tokens.read !== undefined || tokens.admin !== undefined) return;
  throw new UsageError(
    `refusing to listen on ${authority(listen.host, listen.port)} without a token: set BACKUP_ALERT_API_TOKEN ` +
      '(and BACKUP_ALERT_ADMIN_TOKEN for POST), or listen on 127.0.0.1 / [::1] only',
  );
}

/** `host:port` as a URL authority (IPv6 in brackets). */
export function authority(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

function checkToken(name: string, value: string | undefined, problems: ConfigProblem[]): string | undefined {
  if (value === undefined || value === '') return undefined;
  // Never echo the value: say only what is wrong with it.
  if (!/^[\x21-\x7e]+$/.test(value)) {
    problems.push({
      variable: name,
      message:
        'holds spaces or characters a header cannot carry; it is ignored (make one with `openssl rand -hex 32`)',
    });
    return undefined;
  }
  if (value.length < MIN_TOKEN_LENGTH) {
    problems.push({
      variable: name,
      message: `is shorter than ${MIN_TOKEN_LENGTH} characters; it is ignored (make one with \`openssl rand -hex 32\`)`,
    });
    return undefined;
  }
  return value;
}

/**
 * BACKUP_ALERT_API_TOKEN / BACKUP_ALERT_ADMIN_TOKEN (secrets: NAME, NAME_FILE or
 * $CREDENTIALS_DIRECTORY/NAME) and `--listen`. A bad token is a problem and is not used;
 * a bad --listen is a usage error.
 */
export function parseServeSettings(
  env: Env,
  cwd: string,
  flags: { listen?: string },
  problems: ConfigProblem[],
): ServeSettings {
  const read = checkToken(
    'BACKUP_ALERT_API_TOKEN',
    readSecret(env, 'BACKUP_ALERT_API_TOKEN', cwd, problems),
    problems,
  );
  const admin = checkToken(
    'BACKUP_ALERT_ADMIN_TOKEN',
    readSecret(env, 'BACKUP_ALERT_ADMIN_TOKEN', cwd, problems),
    problems,
  );
  if (read !== undefined && read === admin) {
    problems.push({
      variable: 'BACKUP_ALERT_API_TOKEN',
      message:
        'is the same as BACKUP_ALERT_ADMIN_TOKEN, so every reader is an admin; give each its own value',
    });
  }
  const tokens: ServeTokens = {};
  if (read !== undefined) tokens.read = read;
  if (admin !== undefined) tokens.admin = admin;
  return { listen: parseListen(flags.listen ?? DEFAULT_LISTEN), tokens };
}
