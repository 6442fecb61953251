// PLACEHOLDER: replaced by the issue that implements `prune`.
import type { CommandContext } from './context.js';
import { InternalError } from './errors.js';

export async function pruneCommand(
  _options: unknown,
  _ctx: CommandContext,
  ..._rest: unknown[]
): Promise<number> {
  throw new InternalError('prune is not implemented yet');
}
