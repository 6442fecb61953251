import { groupDigits } from './bytes.js';

/**
 * Linux's MAX_ARG_STRLEN (32 pages of 4 KiB): the longest one argument or one `NAME=value`
 * environment string may be, its terminating NUL included. exec fails with E2BIG beyond it,
 * and also when all of them together exceed ARG_MAX (a quarter of the stack limit).
 */
export const MAX_ARG_STRLEN = 128 * 1024;

/**
 * Why exec refused with E2BIG, in words an operator can act on: the environment variable
 * or argument that is too long, by name or position, never its value (a value may be a
 * secret, and at 128 KiB it would bury the message); else the total.
 */
export function explainTooLarge(
  script: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): string {
  const entries = Object.entries(env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([name, value]) => ({
      name,
      bytes: Buffer.byteLength(`${name}=${value}`) + 1,
    }));
  const tooLong = entries.filter((entry) => entry.bytes > MAX_ARG_STRLEN).sort((a, b) => b.bytes - a.bytes);
  const limit = `Linux allows ${groupDigits(MAX_ARG_STRLEN)} bytes per variable`;
  if (tooLong.length > 0) {
    const names = tooLong.map((entry) => `${entry.name} (${groupDigits(entry.bytes)} bytes)`).join(', ');
    const [subject, verb] = tooLong.length === 1 ? ['variable', 'is'] : ['variables', 'are'];
    return `the environment ${subject} ${names} ${verb} too large (${limit}) (E2BIG)`;
  }
  const argBytes = [script, ...args].map((arg) => Buffer.byteLength(arg) + 1);
  const longArg = argBytes.findIndex((bytes) => bytes > MAX_ARG_STRLEN);
  if (longArg > 0) {
    return `argument ${longArg} after -- is too large (${groupDigits(argBytes[longArg] ?? 0)} bytes; Linux allows ${groupDigits(MAX_ARG_STRLEN)} per argument) (E2BIG)`;
  }
  const total = [...argBytes, ...entries.map((entry) => entry.bytes)].reduce((sum, bytes) => sum + bytes, 0);
  const largest = entries.sort((a, b) => b.bytes - a.bytes)[0];
  const which = largest
    ? `; the largest variable is ${largest.name}, ${groupDigits(largest.bytes)} bytes`
    : '';
  const counts = `${counted(entries.length, 'variable')} and ${counted(argBytes.length, 'argument')}`;
  return `its environment and arguments together are too large (${groupDigits(total)} bytes in ${counts}${which}) (E2BIG)`;
}

function counted(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
