import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorCode } from '../../shared/errors.js';
import type { UserRole } from './users-file.js';

/** The signing key's file in the state directory (beside the database). */
export const JWT_KEY_FILE = 'serve-jwt.key';
const ISSUER = 'backup-alert';
/** A login is good for an hour: long enough for a runbook session, short enough to expire unused. */
export const TOKEN_LIFETIME_SECONDS = 3600;

/**
 * The HS256 key: 32 random bytes made on first use, kept 0600 so tokens survive a restart.
 * Created with O_EXCL: two servers starting at once agree on one key.
 */
export function loadSigningKey(stateDir: string): Uint8Array {
  const path = join(stateDir, JWT_KEY_FILE);
  try {
    return decodeKey(readFileSync(path, 'utf8'), path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (errorCode(error) !== 'EEXIST') throw error;
  }
  return decodeKey(readFileSync(path, 'utf8'), path);
}

function decodeKey(text: string, path: string): Uint8Array {
  const key = Buffer.from(text.trim(), 'base64url');
  if (key.length < 32) throw new Error(`${path} does not hold a signing key; remove it and restart serve`);
  return key;
}

export interface Claims {
  user: string;
  role: UserRole;
}

/** A signed JWT (HS256, through jose) with `sub` = the user and `role`; expires in an hour. */
export async function signToken(key: Uint8Array, claims: Claims, now: Date): Promise<string> {
  const { SignJWT } = await import('jose');
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ role: claims.role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.user)
    .setIssuer(ISSUER)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + TOKEN_LIFETIME_SECONDS)
    .sign(key);
}

/** The claims of a valid token, or undefined (bad signature, expired, other algorithm, no role). */
export async function verifyToken(key: Uint8Array, token: string, now: Date): Promise<Claims | undefined> {
  const { jwtVerify } = await import('jose');
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: ['HS256'],
      issuer: ISSUER,
      currentDate: now,
      requiredClaims: ['sub', 'exp', 'iat'],
    });
    const role = payload['role'];
    if (typeof payload.sub !== 'string' || (role !== 'admin' && role !== 'read')) return undefined;
    return { user: payload.sub, role };
  } catch {
    return undefined;
  }
}

/** Three base64url parts: worth a signature check (static tokens never look like this). */
export const looksLikeJwt = (credential: string): boolean =>
  /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(credential);
