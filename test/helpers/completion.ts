import { expect } from 'vitest';
import { runMain } from './cli.js';

/** The completion script `backup-alert completion <shell>` prints (checked to come out clean). */
export async function completionScript(shell: string): Promise<string> {
  const result = await runMain(['completion', shell]);
  expect(result.exitCode).toBe(0);
  expect(result.stderr).toBe('');
  return result.stdout;
}
