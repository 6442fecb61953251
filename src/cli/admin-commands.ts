import type { RetryOptions } from '../commands/retry.js';
import { type CommandSpec, defineCommand, defineGroup, type OptionSpec } from './spec.js';

/** The commands that set up, check and look after alerting: test-email, test-notify, doctor, retry, serve, user, metrics, init. */

const DURATION = (name = 'dur'): OptionSpec['value'] => ({ kind: 'text', name });

export const ADMIN_COMMANDS: readonly CommandSpec[] = [
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
          choices: ['email', 'slack', 'teams', 'webhook', 'apprise', 'alertmanager', 'all'],
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
            'config-problem',
          ],
        },
      },
    ],
    action: async (options, ctx) => {
      const { testNotifyCommand } = await import('../commands/test-notify.js');
      return testNotifyCommand(options, ctx);
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
  defineCommand<{ listen?: string; maxAge?: string; tlsCert?: string; tlsKey?: string }>({
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
        long: 'tls-cert',
        description: 'serve HTTPS with this PEM certificate (read again on SIGHUP)',
        value: { kind: 'file', name: 'path' },
      },
      {
        long: 'tls-key',
        description: 'the PEM key of --tls-cert',
        value: { kind: 'file', name: 'path' },
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
  defineGroup({
    name: 'user',
    description: 'logins for serve (runbook §7.2): add, remove, list',
    example: 'backup-alert user add admin',
    defaultSubcommand: 'list',
    subcommands: [
      defineCommand<{ role?: string }>({
        name: 'add',
        description: 'add a login, or set its password again (asked without echo, or read from stdin)',
        example: 'backup-alert user add admin --role admin',
        argument: { name: 'name', description: 'the user name', required: true },
        options: [
          {
            long: 'role',
            description: 'admin (may POST) or read (default admin)',
            value: { kind: 'choice', name: 'role', choices: ['admin', 'read'] },
          },
        ],
        action: async (options, ctx, args) => {
          const [{ userAddCommand, withUsersFile }, { processPasswordSource }] = await Promise.all([
            import('../commands/user.js'),
            import('../commands/password-input.js'),
          ]);
          return withUsersFile(ctx, () =>
            userAddCommand(args[0], options, ctx, processPasswordSource(ctx.io.stderr)),
          );
        },
      }),
      defineCommand<object>({
        name: 'remove',
        description: 'remove a login (tokens it holds expire within the hour)',
        example: 'backup-alert user remove admin',
        argument: { name: 'name', description: 'the user name', required: true },
        options: [],
        action: async (_options, ctx, args) => {
          const { userRemoveCommand, withUsersFile } = await import('../commands/user.js');
          return withUsersFile(ctx, () => userRemoveCommand(args[0], ctx));
        },
      }),
      defineCommand<{ json?: boolean }>({
        name: 'list',
        description: 'the logins and their roles (never the hashes)',
        example: 'backup-alert user list',
        options: [{ long: 'json', description: 'a JSON array' }],
        action: async (options, ctx) => {
          const { userListCommand, withUsersFile } = await import('../commands/user.js');
          return withUsersFile(ctx, () => userListCommand(options, ctx));
        },
      }),
    ],
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
  defineCommand<object>({
    name: 'init',
    description: 'create the directories, a commented env file (0600) and an example job',
    example: 'sudo backup-alert init',
    options: [],
    action: async (_options, ctx) => {
      const { initCommand } = await import('../commands/init/init.js');
      return initCommand(ctx);
    },
  }),
];
