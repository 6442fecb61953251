import type { SyncCommandOptions } from '../commands/sync.js';
import { type CommandSpec, defineCommand, defineGroup } from './spec.js';

/** sync and fleet (the central PostgreSQL), as data like every other command. */
export const FLEET_COMMANDS: readonly CommandSpec[] = [
  defineCommand<SyncCommandOptions>({
    name: 'sync',
    description:
      'ship the runs, alerts and audit rows the centre has not acknowledged (exit 0: nothing left)',
    example: 'backup-alert sync --jitter 5m',
    options: [
      {
        long: 'jitter',
        description: 'wait a random time up to this first (default $BACKUP_ALERT_SYNC_JITTER)',
        value: { kind: 'text', name: 'dur' },
      },
      {
        long: 'timeout',
        description: 'give up after this long (default $BACKUP_ALERT_SYNC_TIMEOUT, 10s)',
        value: { kind: 'text', name: 'dur' },
      },
      {
        long: 'take-over',
        description: 'this installation replaces the one that shipped under this host name',
      },
    ],
    action: async (options, ctx) => {
      const { syncCommand } = await import('../commands/sync.js');
      const code = await syncCommand(options, ctx, ctx.config.fleet);
      const { publishMetricsAfter } = await import('../run/observe.js');
      await publishMetricsAfter(ctx);
      return code;
    },
  }),
  defineGroup({
    name: 'fleet',
    description: 'the central PostgreSQL: migrate its schema, list its hosts',
    example: 'backup-alert fleet hosts',
    defaultSubcommand: 'hosts',
    subcommands: [
      defineCommand<object>({
        name: 'migrate',
        description: "create or upgrade the centre's schema (run once, as the owner role)",
        example: 'BACKUP_ALERT_DATABASE_URL_FILE=/etc/backup-alert/admin-url backup-alert fleet migrate',
        options: [],
        action: async (options, ctx) => {
          const { fleetMigrateCommand } = await import('../commands/fleet.js');
          return fleetMigrateCommand(options, ctx, ctx.config.fleet);
        },
      }),
      defineCommand<{ json?: boolean }>({
        name: 'hosts',
        description: 'every host the centre knows: last seen, version, health',
        example: 'backup-alert fleet hosts --json',
        options: [{ long: 'json', description: 'a JSON array' }],
        action: async (options, ctx) => {
          const { fleetHostsCommand } = await import('../commands/fleet.js');
          return fleetHostsCommand(options, ctx, ctx.config.fleet);
        },
      }),
    ],
  }),
];
