import { existsSync } from 'node:fs';
import { alertAbout } from '../alert/alert-run.js';
import type { CommandContext } from '../context.js';
import { reapAbandoned } from '../run/record.js';
import { errorMessage } from '../shared/errors.js';
import type { RunView } from '../shared/run-result.js';
import { Store } from '../store/store.js';

/** A run as history/status print it in JSON (the one run view, see store/rows.ts runViewOf). */
export type RunJson = RunView;

/**
 * Opens the database for reading commands. Rows a dead wrapper left `running`
 * are marked and alerted here too. Falls back to read-only (an operator
 * reading root's database); returns null when there is no database yet.
 */
export async function openForReading(ctx: CommandContext): Promise<Store | null> {
  if (!existsSync(ctx.config.dbPath)) return null;
  let store: Store;
  try {
    store = ctx.openStore();
  } catch (error) {
    try {
      return Store.open(ctx.config.dbPath, { readonly: true });
    } catch {
      throw new Error(`cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}`, { cause: error });
    }
  }
  for (const abandoned of reapAbandoned(store, ctx)) await alertAbout(abandoned, { ...ctx, journal: store });
  return store;
}
