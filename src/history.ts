// PLACEHOLDER: replaced by the issue that implements `history`.
import type { CommandContext } from './context.js';
import { InternalError } from './errors.js';

export async function historyCommand(
  _options: unknown,
  _ctx: CommandContext,
  ..._rest: unknown[]
): Promise<number> {
  throw new InternalError('history is not implemented yet');
}
