// PLACEHOLDER: replaced by the issue that implements `run`.
import type { CommandContext } from './context.js';
import { InternalError } from './errors.js';

export async function runCommand(
  _options: unknown,
  _ctx: CommandContext,
  ..._rest: unknown[]
): Promise<number> {
  throw new InternalError('run is not implemented yet');
}
