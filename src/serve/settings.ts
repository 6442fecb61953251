import { existsSync } from 'node:fs';
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import type { Env } from '../config/env-source.js';
import { readSecret } from '../config/secrets.js';
import type { ConfigProblem } from '../config/values.js';
import { UsageError } from '../shared/errors.js';
import type { TlsFiles } from './tls.js';

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
  /** HTTPS from these files; plain HTTP without. */
  tls?: TlsFiles;
  /** Token variables that were set but refused (too short, unreadable, …): serve must not start. */
  refused: string[];
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
export function checkExposure(listen: ListenAddress, tokens: ServeTokens, logins = false): void {
  if (listen.loopback || logins || tokens.read !== undefined || tokens.admin !== undefined) return;
  throw new UsageError(
    `refusing to listen on ${authority(listen.host, listen.port)} without a token: set BACKUP_ALERT_API_TOKEN ` +
      '(and BACKUP_ALERT_ADMIN_TOKEN for POST), add a login with `backup-alert user add`, or listen on 127.0.0.1 / [::1] only',
  );
}

/** `host:port` as a URL authority (IPv6 in brackets). */
export function authority(host: string, port: number): string {
  return `${isIPv6(host) ? `[${host}]` : host}:${port}`;
}

function checkToken(
  name: string,
  value: string | undefined,
  problems: ConfigProblem[],
  refused: string[],
): string | undefined {
  if (value === undefined || value === '') return undefined;
  // Whatever is wrong below, the operator asked for a token: serving without one is refused.
  refused.push(name);
  // Never echo the value: say only what is wrong with it.
  if (!/^[\x21-\x7e]+$/.test(value)) {
    problems.push({
      variable: name,
      message: 'holds spaces or characters a header cannot carry (make one with `openssl rand -hex 32`)',
    });
    return undefined;
  }
  if (value.length < MIN_TOKEN_LENGTH) {
    problems.push({
      variable: name,
      message: `is shorter than ${MIN_TOKEN_LENGTH} characters (make one with \`openssl rand -hex 32\`)`,
    });
    return undefined;
  }
  refused.pop();
  return value;
}

/** A path from the flag, NAME, NAME_FILE (the same: a path) or $CREDENTIALS_DIRECTORY/NAME. */
function tlsPath(env: Env, cwd: string, name: string, flag: string | undefined): string | undefined {
  const given = flag || env[name] || env[`${name}_FILE`];
  if (given) return isAbsolute(given) ? given : resolve(cwd, given);
  const credentials = env['CREDENTIALS_DIRECTORY'];
  const credential = credentials ? join(credentials, name) : undefined;
  return credential && existsSync(credential) ? credential : undefined;
}

/**
 * `--tls-cert/--tls-key`, else BACKUP_ALERT_TLS_CERT/_KEY (or their _FILE forms, or systemd
 * credentials of those names): both or neither. The files are read when serve starts and
 * again on SIGHUP, so they are kept as paths.
 */
export function parseTlsFiles(
  env: Env,
  cwd: string,
  flags: { tlsCert?: string; tlsKey?: string },
): TlsFiles | undefined {
  const certPath = tlsPath(env, cwd, 'BACKUP_ALERT_TLS_CERT', flags.tlsCert);
  const keyPath = tlsPath(env, cwd, 'BACKUP_ALERT_TLS_KEY', flags.tlsKey);
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) {
    throw new UsageError(
      `TLS needs both a certificate and its key: give ${certPath === undefined ? '--tls-cert (BACKUP_ALERT_TLS_CERT)' : '--tls-key (BACKUP_ALERT_TLS_KEY)'} too`,
    );
  }
  return { certPath, keyPath };
}

/**
 * BACKUP_ALERT_API_TOKEN / BACKUP_ALERT_ADMIN_TOKEN (secrets: NAME, NAME_FILE or
 * $CREDENTIALS_DIRECTORY/NAME), `--listen` and the TLS files. A bad token is a problem, is
 * not used, and is named in `refused` (serve stops on it); a bad --listen is a usage error.
 */
export function parseServeSettings(
  env: Env,
  cwd: string,
  flags: { listen?: string; tlsCert?: string; tlsKey?: string },
  problems: ConfigProblem[],
): ServeSettings {
  const refused: string[] = [];
  const token = (name: 'BACKUP_ALERT_API_TOKEN' | 'BACKUP_ALERT_ADMIN_TOKEN'): string | undefined => {
    const before = problems.length;
    const value = readSecret(env, name, cwd, problems);
    // An unreadable NAME_FILE or credential is a token asked for and not had: refused too.
    if (problems.length > before) refused.push(name);
    return checkToken(name, value, problems, refused);
  };
  const read = token('BACKUP_ALERT_API_TOKEN');
  const admin = token('BACKUP_ALERT_ADMIN_TOKEN');
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
  const tls = parseTlsFiles(env, cwd, flags);
  return { listen: parseListen(flags.listen ?? DEFAULT_LISTEN), tokens, refused, ...(tls ? { tls } : {}) };
}
