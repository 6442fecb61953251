import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { recordDeliveries } from '../alert/dispatch.js';
import { registeredChannels } from '../alert/routing.js';
import { TEST_NOTIFY_TEXT, testAlert } from '../alert/test-alert.js';
import type { CommandContext } from '../context.js';
import { deliverAll } from '../notify/fanout.js';
import {
  channelOfRow,
  checkChannelName,
  createRegisteredNotifier,
  describeTargets,
  parseBackupTypes,
  parseNotificationTypes,
  parseTarget,
} from '../notify/registered.js';
import { CHANNELS, type Channel } from '../notify/types.js';
import { errorCode, errorMessage, UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { recordAudit } from '../store/audit.js';
import type { Store } from '../store/store.js';

/**
 * `backup-alert channels list|add|remove|enable|disable|test`: the runbook §8.1.3 registry
 * without writing SQL by hand. Targets are secrets at rest (the runbook's own design): they
 * are shown as scheme and host only, and every change is audited.
 */

export interface ChannelAddOptions {
  type: string;
  url?: string;
  urlFile?: string;
  notify?: string;
  backupTypes?: string;
  disabled?: boolean;
}

/** Opens the database for an admin command; a usage error when it cannot (nothing to change). */
export function openStore(ctx: CommandContext): Store {
  try {
    return ctx.openStore();
  } catch (error) {
    throw new UsageError(`cannot open database ${ctx.config.dbPath}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

/** `--url` or `--url-file` (the latter keeps the URL out of `ps` and shell history). */
function targetText(options: ChannelAddOptions, cwd: string): string {
  if ((options.url === undefined) === (options.urlFile === undefined)) {
    throw new UsageError('give the target with exactly one of --url URL or --url-file PATH');
  }
  if (options.url !== undefined) return options.url;
  const path = resolve(cwd, options.urlFile!);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`cannot read --url-file ${path}: ${errorCode(error) ?? errorMessage(error)}`);
  }
}

export async function channelsAddCommand(
  name: string,
  options: ChannelAddOptions,
  ctx: CommandContext,
): Promise<number> {
  // Everything is checked before the database is touched: bad input writes nothing.
  const badName = checkChannelName(name);
  if (badName) throw new UsageError(badName);
  const type = options.type.trim().toLowerCase();
  if (!(CHANNELS as readonly string[]).includes(type)) {
    throw new UsageError(`unknown channel type "${options.type}": use one of ${CHANNELS.join(', ')}`);
  }
  const target = parseTarget(type as Channel, targetText(options, ctx.cwd));
  if ('error' in target) throw new UsageError(`invalid target for a ${type} channel: it ${target.error}`);
  const notificationTypes = parseNotificationTypes(options.notify ?? null);
  if ('error' in notificationTypes) throw new UsageError(`invalid --notify: ${notificationTypes.error}`);
  const backupTypes = parseBackupTypes(options.backupTypes ?? null);
  if ('error' in backupTypes) throw new UsageError(`invalid --backup-types: ${backupTypes.error}`);
  ctx.redactor.addSecrets(...(type === 'email' ? [] : target.targets));

  const store = openStore(ctx);
  try {
    if (store.channels.get(name)) throw new UsageError(`a channel named "${name}" already exists`);
    try {
      store.channels.insert({
        name,
        type,
        url: target.stored,
        active: options.disabled !== true,
        notificationTypes: notificationTypes.values?.join(',') ?? null,
        backupTypes: backupTypes.values?.join(',') ?? null,
        createdAt: ctx.now().toISOString(),
      });
    } catch (error) {
      // Another `channels add` won the race: the UNIQUE column says so.
      if (errorCode(error) === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new UsageError(`a channel named "${name}" already exists`);
      }
      throw error;
    }
    const shown = describeTargets({ type: type as Channel, targets: target.targets });
    const filters = `notifications: ${notificationTypes.values?.join(',') ?? 'all'}; backup types: ${backupTypes.values?.join(',') ?? 'all'}`;
    recordAudit(store.audit, ctx, {
      operation: 'channel_add',
      status: 'success',
      details: { name, type, target: shown, filters, active: options.disabled !== true },
    });
    ctx.io.stdout(
      `Added channel ${name} (${type} → ${shown}; ${filters}${options.disabled ? '; disabled' : ''})\n`,
    );
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

export async function channelsRemoveCommand(name: string, ctx: CommandContext): Promise<number> {
  const store = openStore(ctx);
  try {
    if (!store.channels.remove(name)) throw new UsageError(`no channel named "${name}"`);
    recordAudit(store.audit, ctx, { operation: 'channel_remove', status: 'success', details: { name } });
    ctx.io.stdout(`Removed channel ${name}\n`);
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

export async function channelsSetActiveCommand(
  name: string,
  active: boolean,
  ctx: CommandContext,
): Promise<number> {
  const store = openStore(ctx);
  try {
    if (!store.channels.setActive(name, active)) throw new UsageError(`no channel named "${name}"`);
    recordAudit(store.audit, ctx, {
      operation: active ? 'channel_enable' : 'channel_disable',
      status: 'success',
      details: { name },
    });
    ctx.io.stdout(`Channel ${name} ${active ? 'enabled' : 'disabled'}\n`);
    return ExitCode.ok;
  } finally {
    store.close();
  }
}

/** Sends a marked test through one registered channel (even a disabled one: test before enabling). */
export async function channelsTestCommand(name: string, ctx: CommandContext): Promise<number> {
  const store = openStore(ctx);
  try {
    const row = store.channels.get(name);
    if (!row) throw new UsageError(`no channel named "${name}"`);
    const actx = { ...ctx, journal: store };
    registeredChannels(actx); // makes every registered target a secret of the redactor
    const parsed = channelOfRow(row);
    let line: string;
    let ok = false;
    if ('error' in parsed) {
      line = `✖ ${name}: broken row, skipped when alerting: ${parsed.error}`;
    } else {
      const notifier = createRegisteredNotifier(parsed.channel, ctx);
      if (!notifier) {
        line = `✖ ${name}: cannot be used here (see the warning above)`;
      } else {
        const alert = testAlert(ctx.now(), ctx.hostname, TEST_NOTIFY_TEXT);
        const [result] = await deliverAll([notifier], alert, ctx, ctx.config.notifyTimeoutMs);
        recordDeliveries(result ? [result] : [], alert, actx);
        ok = result?.status === 'sent';
        const attempts = `${result?.attempts ?? 0} attempt${result?.attempts === 1 ? '' : 's'}`;
        line = ok
          ? `✔ ${notifier.recipient}: sent (${attempts})`
          : `✖ ${notifier.recipient}: ${result?.error ?? 'failed'} (${attempts})`;
      }
    }
    const text = ctx.logger.mask(line);
    ctx.io.stdout(`${text}\n`);
    recordAudit(store.audit, ctx, {
      operation: 'channel_test',
      status: ok ? 'success' : 'failure',
      details: { name, line: text },
    });
    return ok ? ExitCode.ok : ExitCode.failed;
  } finally {
    store.close();
  }
}
