import type { HistoryOptions } from '../commands/history.js';
import type { RetryOptions } from '../commands/retry.js';
import type { StatusOptions } from '../commands/status.js';
import type { RunOptions } from '../run/plan.js';
import { BACKUP_TYPES, RUN_STATUSES } from '../shared/run-result.js';
import { FLEET_COMMANDS } from './fleet-commands.js';
import { ROUTING_COMMANDS } from './routing-commands.js';
import { type CommandSpec, defineCommand, type OptionSpec } from './spec.js';

/**
 * Every command of the CLI, as data. Each action imports its module when it runs,
 * so one invocation loads one command (the build groups the everyday ones).
 */

const TYPE: OptionSpec['value'] = { kind: 'choice', name: 'type', choices: BACKUP_TYPES };
const DURATION = (name = 'dur'): OptionSpec['value'] => ({ kind: 'text', name });

export const COMMANDS: readonly CommandSpec[] = [
  defineCommand<RunOptions>({
    name: 'run',
    description: 'run the backup script, record the run, alert on failure',
    example: 'backup-alert run --type daily --script /opt/backup/backup.sh --timeout 4h',
    options: [
      { long: 'type', short: 't', description: 'backup type', value: TYPE, required: true },
      {
        long: 'script',
        description: 'backup script (default $BACKUP_ALERT_SCRIPT)',
        value: { kind: 'file', name: 'path' },
      },
      {
        long: 'timeout',
        description: 'kill the script after this long (90s, 15m, 4h, 7d)',
        value: DURATION(),
      },
      {
        long: 'kill-after',
        description: 'grace between SIGTERM and SIGKILL (default 10s)',
        value: DURATION(),
      },
      {
        long: 'quiet',
        short: 'q',
        description: "print the script's output only if it fails (cron mails only then)",
      },
      { long: 'no-lock', description: 'allow overlapping runs of the same script' },
      {
        long: 'artifact',
        description: 'file or directory the script must produce (a glob picks the newest; repeatable)',
        value: { kind: 'file', name: 'path' },
        repeatable: true,
      },
      {
        long: 'min-size',
        description: 'each artifact must be at least this big (10M, 1.5G, bytes; default: not empty)',
        value: { kind: 'text', name: 'size' },
      },
      {
        long: 'min-duration',
        description: 'a success faster than this is a failure (e.g. 5m)',
        value: DURATION(),
      },
      {
        long: 'on-suspect',
        description: 'an artifact far from its usual size: warn (default) or fail',
        value: { kind: 'choice', name: 'action', choices: ['warn', 'fail'] },
      },
      {
        long: 'warn-after',
        description:
          'one backup_slow alert if the script still runs after this long (default $BACKUP_ALERT_WARN_AFTER)',
        value: DURATION(),
      },
    ],
    argument: { name: 'args', description: 'arguments passed to the script (after --)', variadic: true },
    passThrough: true,
    action: async (options, ctx, args) => {
      const { runCommand } = await import('../run/run-command.js');
      return runCommand({ ...options, args }, ctx);
    },
  }),
  defineCommand<{ to?: string; verifyOnly?: boolean }>({
    name: 'test-email',
    description: 'check the SMTP settings and send a test message',
    example: 'backup-alert test-email --to admin@example.com',
    options: [
      {
        long: 'to',
        description: 'recipients, comma-separated (default $BACKUP_ALERT_EMAIL)',
        value: { kind: 'text', name: 'addr' },
      },
      { long: 'verify-only', description: 'only check the connection and login, send nothing' },
    ],
    action: async (options, ctx) => {
      const { testEmailCommand } = await import('../commands/test-email.js');
      return testEmailCommand(options, ctx);
    },
  }),
  defineCommand<{ channel: string; kind?: string }>({
    name: 'test-notify',
    description: 'send a clearly-marked test alert through each configured channel',
    example: 'backup-alert test-notify --channel slack',
    options: [
      {
        long: 'channel',
        description: 'which channel',
        value: {
          kind: 'choice',
          name: 'channel',
          choices: ['email', 'slack', 'teams', 'webhook', 'apprise', 'all'],
        },
        default: 'all',
      },
      {
        long: 'kind',
        description: 'preview this kind of alert, marked as a test (default test)',
        value: {
          kind: 'choice',
          name: 'kind',
          choices: [
            'test',
            'failure',
            'recovery',
            'suspect',
            'suspect-growth',
            'missing',
            'slow',
            'reminder',
          ],
        },
      },
    ],
    action: async (options, ctx) => {
      const { testNotifyCommand } = await import('../commands/test-notify.js');
      return testNotifyCommand(options, ctx);
    },
  }),
  defineCommand<HistoryOptions & { fleet?: boolean; host?: string }>({
    name: 'history',
    description: 'list recorded runs, newest first',
    example: 'backup-alert history --status failure --limit 10',
    options: [
      {
        long: 'status',
        description: 'only runs with this status',
        value: { kind: 'choice', name: 'status', choices: RUN_STATUSES },
      },
      { long: 'type', description: 'only runs of this type', value: TYPE },
      {
        long: 'limit',
        short: 'n',
        description: 'at most this many runs',
        value: { kind: 'text', name: 'n' },
        default: '20',
      },
      { long: 'json', description: 'a JSON array' },
      { long: 'fleet', description: "every host's runs, from the centre (BACKUP_ALERT_DATABASE_URL)" },
      { long: 'host', description: 'with --fleet: only this host', value: { kind: 'text', name: 'host' } },
    ],
    action: async (options, ctx) => {
      if (options.fleet || options.host !== undefined) {
        const { fleetHistoryCommand } = await import('../commands/fleet-history.js');
        return fleetHistoryCommand(options, ctx, ctx.config.fleet);
      }
      const { historyCommand } = await import('../commands/history.js');
      return historyCommand(options, ctx);
    },
  }),
  defineCommand<StatusOptions & { fleet?: boolean; host?: string }>({
    name: 'status',
    description: 'latest run per type; exit 1 when it failed or is older than --max-age',
    example: 'backup-alert status --type daily --max-age 26h --nagios',
    options: [
      { long: 'type', description: 'only this type', value: TYPE },
      {
        long: 'max-age',
        description: 'the latest success must be younger than this (e.g. 26h)',
        value: DURATION(),
      },
      { long: 'json', description: 'JSON output', conflicts: 'nagios' },
      { long: 'nagios', description: 'monitoring-plugin output: OK|WARNING|CRITICAL, exit 0/1/2' },
      { long: 'fleet', description: 'every host × type, from the centre: one check for the whole fleet' },
      { long: 'host', description: 'with --fleet: only this host', value: { kind: 'text', name: 'host' } },
    ],
    action: async (options, ctx) => {
      if (options.fleet || options.host !== undefined) {
        const { fleetStatusCommand } = await import('../commands/fleet-status.js');
        return fleetStatusCommand(options, ctx, ctx.config.fleet);
      }
      const { statusCommand } = await import('../commands/status.js');
      return statusCommand(options, ctx);
    },
  }),
  defineCommand<{ json?: boolean; send?: boolean }>({
    name: 'doctor',
    description: 'check the configuration (runbook §12.1) and print a ✔/✖ checklist',
    example: 'backup-alert doctor --env-file /etc/backup-alert/env',
    options: [
      { long: 'json', description: 'JSON output' },
      { long: 'send', description: 'also send a test request to each webhook' },
    ],
    action: async (options, ctx) => {
      const { doctorCommand } = await import('../commands/doctor/doctor.js');
      return doctorCommand(options, ctx);
    },
  }),
  defineCommand<RetryOptions>({
    name: 'retry',
    description: 're-send notifications that could not be delivered',
    example: 'backup-alert retry --silent',
    options: [
      {
        long: 'failed',
        description: 're-send alerts that failed for good in the last 7 days (once the cause is fixed)',
      },
    ],
    action: async (options, ctx) => {
      const { retryCommand } = await import('../commands/retry.js');
      return retryCommand(options, ctx);
    },
  }),
  defineCommand<{ listen?: string; maxAge?: string }>({
    name: 'serve',
    description: 'the HTTP API (runbook §9.1, §7.1) and the dashboard',
    example:
      'BACKUP_ALERT_API_TOKEN_FILE=/etc/backup-alert/api-token backup-alert serve --listen 0.0.0.0:8080',
    options: [
      {
        long: 'listen',
        description: 'address to listen on (default 127.0.0.1:8080; tokens required beyond loopback)',
        value: { kind: 'text', name: 'host:port' },
      },
      {
        long: 'max-age',
        description: 'a type with no success for this long is shown overdue',
        value: DURATION(),
      },
    ],
    action: async (options, ctx) => {
      const [{ serveCommand }, { defaultServePlugins }] = await Promise.all([
        import('../commands/serve.js'),
        import('../commands/serve-plugins.js'),
      ]);
      return serveCommand(options, ctx, ctx.signals, defaultServePlugins(ctx));
    },
  }),
  defineCommand<object>({
    name: 'metrics',
    description: 'print the Prometheus metrics (what BACKUP_ALERT_METRICS_FILE holds)',
    example: 'backup-alert metrics | promtool check metrics',
    options: [],
    action: async (_options, ctx) => {
      const { metricsCommand } = await import('../commands/metrics.js');
      return metricsCommand({ metrics: ctx.config.metrics }, ctx);
    },
  }),
  defineCommand<{ olderThan: string; dryRun?: boolean }>({
    name: 'prune',
    description: 'delete old runs, their notifications and log files',
    example: 'backup-alert prune --older-than 90d --dry-run',
    options: [
      {
        long: 'older-than',
        description: 'delete what is older than this (e.g. 90d)',
        value: DURATION(),
        required: true,
      },
      { long: 'dry-run', description: 'only report what would be deleted' },
    ],
    action: async (options, ctx) => {
      const { pruneCommand } = await import('../commands/prune.js');
      return pruneCommand(options, ctx);
    },
  }),
  ...ROUTING_COMMANDS,
  ...FLEET_COMMANDS,
  defineCommand<object>({
    name: 'completion',
    description: 'print a shell completion script',
    example: 'backup-alert completion bash > /etc/bash_completion.d/backup-alert',
    options: [],
    argument: {
      name: 'shell',
      description: 'bash, zsh or fish',
      choices: ['bash', 'zsh', 'fish'],
      required: true,
    },
    action: async (_options, ctx, args) => {
      const { completionCommand } = await import('./completion.js');
      return completionCommand(args[0] ?? '', COMMANDS, ctx);
    },
  }),
];
