import { createHash, timingSafeEqual } from 'node:crypto';
import { isLoopbackHost, type ServeTokens } from './settings.js';

export type Role = 'admin' | 'read';

export interface Authenticator {
  /** No token configured: reads need none (and the server listens on loopback only). */
  readonly open: boolean;
  readonly adminConfigured: boolean;
  /** The role an Authorization header grants; undefined for none or a wrong one. */
  roleOf(header: string | undefined): Role | undefined;
}

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Bearer (API clients) or Basic with the token as password (a browser's login prompt). */
export function credentialOf(header: string | undefined): string | undefined {
  if (header === undefined || header.length > 4096) return undefined;
  const match = /^(Bearer|Basic)[ ]+(\S+)[ ]*$/i.exec(header);
  if (!match) return undefined;
  if (match[1]!.toLowerCase() === 'bearer') return match[2];
  const decoded = Buffer.from(match[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? undefined : decoded.slice(colon + 1);
}

/**
 * Compares SHA-256 digests with timingSafeEqual: equal lengths whatever was sent, so neither
 * the token's length nor how much of it matched shows in the time taken. Both tokens are
 * always compared, so the time does not tell which one exists either.
 */
export function createAuthenticator(tokens: ServeTokens): Authenticator {
  const read = tokens.read === undefined ? undefined : digest(tokens.read);
  const admin = tokens.admin === undefined ? undefined : digest(tokens.admin);
  const none = digest('');
  return {
    open: read === undefined && admin === undefined,
    adminConfigured: admin !== undefined,
    roleOf(header) {
      const credential = credentialOf(header);
      if (credential === undefined || credential === '') return undefined;
      const given = digest(credential);
      const isAdmin = timingSafeEqual(given, admin ?? none) && admin !== undefined;
      const isRead = timingSafeEqual(given, read ?? none) && read !== undefined;
      if (isAdmin) return 'admin';
      return isRead ? 'read' : undefined;
    },
  };
}

/**
 * In open mode, only requests addressed to a loopback name are answered: a web page whose
 * DNS name is re-pointed at 127.0.0.1 (DNS rebinding) sends its own name in Host and is
 * refused, so it cannot read the API through the operator's browser.
 */
export function isLoopbackHostHeader(header: string | undefined): boolean {
  if (header === undefined) return false;
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:]+))(?::\d{1,5})?$/.exec(header.trim());
  if (!match) return false;
  return isLoopbackHost(match[1] ?? match[2]!);
}
