// PLACEHOLDER: replaced by the issue that implements `completion`.
import type { CommandContext } from './context.js';
import { InternalError } from './errors.js';

export async function completionCommand(
  _options: unknown,
  _ctx: CommandContext,
  ..._rest: unknown[]
): Promise<number> {
  throw new InternalError('completion is not implemented yet');
}
