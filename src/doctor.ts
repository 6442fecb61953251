// PLACEHOLDER: replaced by the issue that implements `doctor`.
import type { CommandContext } from './context.js';
import { InternalError } from './errors.js';

export async function doctorCommand(
  _options: unknown,
  _ctx: CommandContext,
  ..._rest: unknown[]
): Promise<number> {
  throw new InternalError('doctor is not implemented yet');
}
