// PLACEHOLDER: replaced by the issue that implements `test-email`.
import type { CommandContext } from './context.js';
import { InternalError } from './errors.js';

export async function testEmailCommand(
  _options: unknown,
  _ctx: CommandContext,
  ..._rest: unknown[]
): Promise<number> {
  throw new InternalError('test-email is not implemented yet');
}
