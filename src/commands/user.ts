import type { CommandContext } from '../context.js';
import { hashPassword } from '../serve/login/password.js';
import {
  readUsers as readUsersFile,
  USER_NAME,
  USER_ROLES,
  type UserRole,
  UsersFileError,
  usersFilePath,
  writeUsers,
} from '../serve/login/users-file.js';
import { UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import type { PasswordSource } from './password-input.js';

/** Shorter is refused: the login is rate-limited, not unguessable. */
export const MIN_PASSWORD_LENGTH = 12;

/** A users file that cannot be read or parsed is the operator's to fix: said in one line, exit 1. */
class UsersFileProblem extends Error {}
function readUsers(path: string) {
  try {
    return readUsersFile(path);
  } catch (error) {
    if (error instanceof UsersFileError) throw new UsersFileProblem(error.message);
    throw error;
  }
}

/** Runs a user subcommand, turning a users-file problem into an error line and exit 1. */
export async function withUsersFile(
  ctx: CommandContext,
  action: () => Promise<number> | number,
): Promise<number> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof UsersFileProblem)) throw error;
    ctx.logger.error('User', error.message);
    return ExitCode.failed;
  }
}

function pathOf(ctx: CommandContext): string {
  return usersFilePath(ctx.env, process.getuid?.());
}

function checkName(name: string | undefined): string {
  if (!name || !USER_NAME.test(name)) {
    throw new UsageError(
      'give a user name of letters, digits, _ . @ - (at most 64), e.g. `backup-alert user add admin`',
    );
  }
  return name;
}

/**
 * `backup-alert user add NAME [--role admin|read]`: asks for the password (twice at a
 * terminal, without echo; the first line of stdin when piped) and writes `name:hash:role`.
 * Adding a name that exists replaces its password and role (a password reset).
 */
export async function userAddCommand(
  name: string | undefined,
  options: { role?: string },
  ctx: CommandContext,
  readPassword: PasswordSource,
): Promise<number> {
  const user = checkName(name);
  const role = (options.role ?? 'admin') as UserRole;
  if (!USER_ROLES.includes(role)) throw new UsageError(`--role is admin or read, not "${options.role}"`);
  const password = await readPassword(`Password for ${user}: `);
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    ctx.logger.error(
      'User',
      `the password must have at least ${MIN_PASSWORD_LENGTH} characters; nothing was changed`,
    );
    return ExitCode.failed;
  }
  if ((await readPassword('Repeat it: ')) !== password) {
    ctx.logger.error('User', 'the two passwords differ; nothing was changed');
    return ExitCode.failed;
  }
  const path = pathOf(ctx);
  const users = readUsers(path);
  const existed = users.some((u) => u.name === user);
  const entry = { name: user, hash: await hashPassword(password), role };
  writeUsers(path, existed ? users.map((u) => (u.name === user ? entry : u)) : [...users, entry]);
  ctx.io.stdout(`${existed ? 'Updated' : 'Added'} ${user} (${role}) in ${path}\n`);
  return ExitCode.ok;
}

/** `backup-alert user remove NAME`: tokens it was given expire within the hour. */
export function userRemoveCommand(name: string | undefined, ctx: CommandContext): number {
  const user = checkName(name);
  const path = pathOf(ctx);
  const users = readUsers(path);
  if (!users.some((u) => u.name === user)) {
    ctx.logger.error('User', `there is no user ${user} in ${path}`);
    return ExitCode.failed;
  }
  writeUsers(
    path,
    users.filter((u) => u.name !== user),
  );
  ctx.io.stdout(`Removed ${user} from ${path}\n`);
  return ExitCode.ok;
}

/** `backup-alert user list [--json]`: names and roles, never the hashes. */
export function userListCommand(options: { json?: boolean }, ctx: CommandContext): number {
  const users = readUsers(pathOf(ctx)).map(({ name, role }) => ({ name, role }));
  if (options.json) ctx.io.stdout(`${JSON.stringify(users)}\n`);
  else for (const u of users) ctx.io.stdout(`${u.name}\t${u.role}\n`);
  return ExitCode.ok;
}
