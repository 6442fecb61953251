// PLACEHOLDER: replaced by the issue that implements `status`.
import type { CommandContext } from './context.js';
import { InternalError } from './errors.js';

export async function statusCommand(
  _options: unknown,
  _ctx: CommandContext,
  ..._rest: unknown[]
): Promise<number> {
  throw new InternalError('status is not implemented yet');
}
