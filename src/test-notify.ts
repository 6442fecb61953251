// PLACEHOLDER: replaced by the issue that implements `test-notify`.
import type { CommandContext } from './context.js';
import { InternalError } from './errors.js';

export async function testNotifyCommand(
  _options: unknown,
  _ctx: CommandContext,
  ..._rest: unknown[]
): Promise<number> {
  throw new InternalError('test-notify is not implemented yet');
}
