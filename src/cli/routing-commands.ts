import type { ChannelAddOptions } from '../commands/channels.js';
import type { SilenceAddOptions } from '../commands/silence.js';
import type { WatchOptions } from '../commands/watch.js';
import { BACKUP_TYPES } from '../shared/run-result.js';
import { type CommandSpec, defineCommand, defineGroup } from './spec.js';

/** watch, channels and silence (routing and incidents), as data like every other command. */

const CHANNEL_TYPES = ['email', 'slack', 'teams', 'webhook', 'apprise', 'alertmanager'];
const NAME = { name: 'name', description: 'the channel name', required: true } as const;

export const ROUTING_COMMANDS: readonly CommandSpec[] = [
  defineCommand<WatchOptions>({
    name: 'watch',
    description: 'alert when an expected backup has not succeeded in time (run it from a timer)',
    example: 'backup-alert watch --max-age daily=26h,weekly=8d',
    options: [
      {
        long: 'max-age',
        description:
          'the longest time since each type last succeeded, e.g. daily=26h,weekly=8d (default $BACKUP_ALERT_EXPECT)',
        value: { kind: 'text', name: 'type=dur,...' },
      },
    ],
    action: async (options, ctx) => {
      const { watchCommand } = await import('../commands/watch.js');
      return watchCommand(options, ctx);
    },
  }),
  defineGroup({
    name: 'channels',
    description:
      'the registered notification channels (runbook §8.1.3): list, add, remove, enable, disable, test',
    example: 'backup-alert channels add ops-slack --type slack --url-file /etc/backup-alert/ops-slack.url',
    defaultSubcommand: 'list',
    subcommands: [
      defineCommand<{ json?: boolean }>({
        name: 'list',
        description: 'list the registered channels (targets redacted)',
        example: 'backup-alert channels list',
        options: [{ long: 'json', description: 'a JSON array' }],
        action: async (options, ctx) => {
          const { channelsListCommand } = await import('../commands/channels-list.js');
          return channelsListCommand(options, ctx);
        },
      }),
      defineCommand<ChannelAddOptions>({
        name: 'add',
        description: 'register a channel',
        example:
          'backup-alert channels add monthly-mail --type email --url mailto:cto@example.com --backup-types monthly',
        options: [
          {
            long: 'type',
            description: 'channel type',
            value: { kind: 'choice', name: 'type', choices: CHANNEL_TYPES },
            required: true,
          },
          {
            long: 'url',
            description: 'webhook URL, Apprise URL(s) or mailto:addresses (visible in ps: prefer --url-file)',
            value: { kind: 'text', name: 'url' },
          },
          {
            long: 'url-file',
            description: 'read the URL from this file (e.g. /dev/stdin)',
            value: { kind: 'file', name: 'path' },
          },
          {
            long: 'notify',
            description: 'only these notification types, comma-separated (default all)',
            value: { kind: 'text', name: 'types' },
          },
          {
            long: 'backup-types',
            description: 'only these backup types, comma-separated (default all)',
            value: { kind: 'text', name: 'types' },
          },
          { long: 'disabled', description: 'register it switched off' },
        ],
        argument: NAME,
        action: async (options, ctx, args) => {
          const { channelsAddCommand } = await import('../commands/channels.js');
          return channelsAddCommand(args[0] ?? '', options, ctx);
        },
      }),
      ...(['remove', 'enable', 'disable', 'test'] as const).map((verb) =>
        defineCommand<object>({
          name: verb,
          description: {
            remove: 'delete a registered channel',
            enable: 'switch a registered channel on',
            disable: 'switch a registered channel off (kept, not used)',
            test: 'send a marked test alert through one registered channel',
          }[verb],
          example: `backup-alert channels ${verb} ops-slack`,
          options: [],
          argument: NAME,
          action: async (_options, ctx, args) => {
            const channels = await import('../commands/channels.js');
            const name = args[0] ?? '';
            if (verb === 'remove') return channels.channelsRemoveCommand(name, ctx);
            if (verb === 'test') return channels.channelsTestCommand(name, ctx);
            return channels.channelsSetActiveCommand(name, verb === 'enable', ctx);
          },
        }),
      ),
    ],
  }),
  defineGroup({
    name: 'silence',
    description: 'hold a type’s alerts during planned maintenance: add, list, remove',
    example: 'backup-alert silence add --type daily --for 4h --reason "storage migration"',
    defaultSubcommand: 'list',
    subcommands: [
      defineCommand<SilenceAddOptions>({
        name: 'add',
        description:
          'hold the alerts of one job (or every job of a type) for a while (runs are still recorded and counted)',
        example: 'backup-alert silence add --job pg --for 4h --reason "storage migration"',
        options: [
          { long: 'job', description: 'one job', value: { kind: 'text', name: 'name' } },
          {
            long: 'type',
            description: 'every job of this type',
            value: { kind: 'choice', name: 'type', choices: BACKUP_TYPES },
          },
          {
            long: 'for',
            description: 'how long (e.g. 4h; at most 30d)',
            value: { kind: 'text', name: 'dur' },
            required: true,
          },
          {
            long: 'reason',
            description: 'why (shown with every held alert and in the audit log)',
            value: { kind: 'text', name: 'text' },
            required: true,
          },
        ],
        action: async (options, ctx) => {
          const { silenceAddCommand } = await import('../commands/silence.js');
          return silenceAddCommand(options, ctx);
        },
      }),
      defineCommand<{ all?: boolean; json?: boolean }>({
        name: 'list',
        description: 'silences in force (with --all, every silence)',
        example: 'backup-alert silence list',
        options: [
          { long: 'all', description: 'ended and removed ones too' },
          { long: 'json', description: 'a JSON array' },
        ],
        action: async (options, ctx) => {
          const { silenceListCommand } = await import('../commands/silence.js');
          return silenceListCommand(options, ctx);
        },
      }),
      defineCommand<object>({
        name: 'remove',
        description: 'end a silence now',
        example: 'backup-alert silence remove 3',
        options: [],
        argument: { name: 'id', description: 'the silence ID (silence list)', required: true },
        action: async (_options, ctx, args) => {
          const { silenceRemoveCommand } = await import('../commands/silence.js');
          return silenceRemoveCommand(args[0] ?? '', ctx);
        },
      }),
    ],
  }),
];
