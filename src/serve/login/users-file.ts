import { chmodSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../../config/env-source.js';
import { placesFor } from '../../config/paths.js';
import { errorCode } from '../../shared/errors.js';
import { isPasswordHash } from './password.js';

export const USER_ROLES = ['admin', 'read'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** One `name:scrypt-hash:role` line of the users file (runbook §7.2's logins). */
export interface UserEntry {
  name: string;
  hash: string;
  role: UserRole;
}

/** Login names: what a shell user name may be, plus `@` and `.` for e-mail-like names. */
export const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,63}$/;

export class UsersFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsersFileError';
  }
}

/**
 * BACKUP_ALERT_USERS_FILE, else `users` in the config directory (/etc/backup-alert/users for
 * root, ~/.config/backup-alert/users otherwise). `uid` as for placesFor.
 */
export function usersFilePath(env: Env, uid: number | undefined): string {
  return env['BACKUP_ALERT_USERS_FILE']?.trim() || join(placesFor(env, uid).configDir, 'users');
}

/** Lines that are blank or start with `#` are kept out; a bad line is an error naming its number. */
export function parseUsers(text: string, path: string): UserEntry[] {
  const users: UserEntry[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const [name = '', hash = '', role = 'admin', ...rest] = line.split(':');
    if (
      rest.length > 0 ||
      !USER_NAME.test(name) ||
      !isPasswordHash(hash) ||
      !USER_ROLES.includes(role as UserRole)
    ) {
      throw new UsersFileError(
        `${path}:${index + 1}: not a "name:scrypt-hash:role" line (make lines with \`backup-alert user add NAME\`)`,
      );
    }
    users.push({ name, hash, role: role as UserRole });
  }
  return users;
}

/** The users, or none when the file does not exist. */
export function readUsers(path: string): UserEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw new UsersFileError(`cannot read the users file ${path}: ${errorCode(error) ?? 'error'}`, {
      cause: error,
    });
  }
  return parseUsers(text, path);
}

/**
 * Written whole to a temp file beside it, then renamed: serve never reads half a file. New
 * files are 0640 (serve's group may read the hashes, nobody else); an existing file keeps
 * its mode.
 */
export function writeUsers(path: string, users: readonly UserEntry[]): void {
  let mode = 0o640;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    // A new file.
  }
  const text = `# backup-alert logins (runbook §7.2): name:scrypt-hash:role; edit with \`backup-alert user\`\n${users
    .map((u) => `${u.name}:${u.hash}:${u.role}\n`)
    .join('')}`;
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode });
  chmodSync(temp, mode);
  renameSync(temp, path);
}
