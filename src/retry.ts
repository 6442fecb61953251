// PLACEHOLDER: replaced by the issue that implements `retry`.
import type { CommandContext } from './context.js';
import { InternalError } from './errors.js';

export async function retryCommand(
  _options: unknown,
  _ctx: CommandContext,
  ..._rest: unknown[]
): Promise<number> {
  throw new InternalError('retry is not implemented yet');
}
