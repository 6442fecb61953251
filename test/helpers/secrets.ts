import { expect } from 'vitest';

/**
 * Asserts that none of `secrets` appears anywhere in `texts` (logs, output, rows,
 * bodies): the one check every "a secret never leaks" test makes.
 */
export function expectNoSecrets(
  texts: ReadonlyArray<string | undefined | null>,
  secrets: readonly string[],
): void {
  const everything = texts.filter((text): text is string => typeof text === 'string').join('\n');
  for (const secret of secrets) expect(everything, `leaked: ${secret.slice(0, 4)}…`).not.toContain(secret);
}
