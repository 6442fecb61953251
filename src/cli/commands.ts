import type * as Commander from 'commander';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import type { CommonOptions } from '../main.js';
import type { RunOptions } from '../run/run-command.js';
import type { SignalSource } from '../runner/signals.js';

/** Declares one command: its options, an example for --help, and the function it runs. */
export type DefineCommand = <O extends object>(
  name: string,
  description: string,
  example: string,
  build: (cmd: Command) => Command,
  action: (options: O & CommonOptions, ctx: CommandContext, args: string[]) => Promise<number>,
) => Command;

/**
 * Every command of the CLI. Each one's module is imported only when it runs, so
 * one invocation loads one command (the build groups the everyday ones).
 */
export function defineCommands(
  command: DefineCommand,
  commander: typeof Commander,
  BACKUP_TYPES: readonly string[],
  signals: SignalSource,
): void {
  const { Argument, Option } = commander;
  command<Omit<RunOptions, 'args'>>(
    'run',
    'run the backup script, record the run, alert on failure',
    'backup-alert run --type daily --script /opt/backup/backup.sh --timeout 4h',
    (cmd) =>
      cmd
        .addOption(new Option('-t, --type <type>', 'backup type').choices(BACKUP_TYPES).makeOptionMandatory())
        .option('--script <path>', 'backup script (default $BACKUP_ALERT_SCRIPT)')
        .option('--timeout <dur>', 'kill the script after this long (90s, 15m, 4h, 7d)')
        .option('--kill-after <dur>', 'grace between SIGTERM and SIGKILL (default 10s)')
        .option('-q, --quiet', "print the script's output only if it fails (cron mails only then)")
        .option('--no-lock', 'allow overlapping runs of the same script')
        .argument('[args...]', 'arguments passed to the script (after --)')
        .passThroughOptions(),
    async (options, ctx, args) => {
      const { runCommand } = await import('../run/run-command.js');
      return runCommand({ ...options, args }, ctx, signals);
    },
  );

  command<{ to?: string; verifyOnly?: boolean }>(
    'test-email',
    'check the SMTP settings and send a test message',
    'backup-alert test-email --to admin@example.com',
    (cmd) =>
      cmd
        .option('--to <addr>', 'recipients, comma-separated (default $BACKUP_ALERT_EMAIL)')
        .option('--verify-only', 'only check the connection and login, send nothing'),
    async (options, ctx) => {
      const { testEmailCommand } = await import('../commands/test-email.js');
      return testEmailCommand(options, ctx);
    },
  );

  command<{ channel: string }>(
    'test-notify',
    'send a clearly-marked test alert through each configured channel',
    'backup-alert test-notify --channel slack',
    (cmd) =>
      cmd.addOption(
        new Option('--channel <channel>', 'which channel')
          .choices(['email', 'slack', 'teams', 'webhook', 'all'])
          .default('all'),
      ),
    async (options, ctx) => {
      const { testNotifyCommand } = await import('../commands/test-notify.js');
      return testNotifyCommand(options, ctx);
    },
  );

  command<{ status?: string; type?: string; limit: string; json?: boolean }>(
    'history',
    'list recorded runs, newest first',
    'backup-alert history --status failure --limit 10',
    (cmd) =>
      cmd
        .addOption(
          new Option('--status <status>', 'only runs with this status').choices([
            'success',
            'failure',
            'running',
            'abandoned',
          ]),
        )
        .addOption(new Option('--type <type>', 'only runs of this type').choices(BACKUP_TYPES))
        .option('-n, --limit <n>', 'at most this many runs', '20')
        .option('--json', 'a JSON array'),
    async (options, ctx) => {
      const { historyCommand } = await import('../commands/history.js');
      return historyCommand(options, ctx);
    },
  );

  command<{ type?: string; maxAge?: string; json?: boolean; nagios?: boolean }>(
    'status',
    'latest run per type; exit 1 when it failed or is older than --max-age',
    'backup-alert status --type daily --max-age 26h --nagios',
    (cmd) =>
      cmd
        .addOption(new Option('--type <type>', 'only this type').choices(BACKUP_TYPES))
        .option('--max-age <dur>', 'the latest success must be younger than this (e.g. 26h)')
        .addOption(new Option('--json', 'JSON output').conflicts('nagios'))
        .option('--nagios', 'monitoring-plugin output: OK|WARNING|CRITICAL, exit 0/1/2'),
    async (options, ctx) => {
      const { statusCommand } = await import('../commands/status.js');
      return statusCommand(options, ctx);
    },
  );

  command<{ json?: boolean; send?: boolean }>(
    'doctor',
    'check the configuration (runbook §12.1) and print a ✔/✖ checklist',
    'backup-alert doctor --env-file /etc/backup-alert/env',
    (cmd) => cmd.option('--json', 'JSON output').option('--send', 'also send a test request to each webhook'),
    async (options, ctx) => {
      const { doctorCommand } = await import('../commands/doctor/doctor.js');
      return doctorCommand(options, ctx);
    },
  );

  command<object>(
    'retry',
    're-send notifications that could not be delivered',
    'backup-alert retry',
    (cmd) => cmd,
    async (options, ctx) => {
      const { retryCommand } = await import('../commands/retry.js');
      return retryCommand(options, ctx);
    },
  );

  command<{ olderThan: string; dryRun?: boolean }>(
    'prune',
    'delete old runs, their notifications and log files',
    'backup-alert prune --older-than 90d --dry-run',
    (cmd) =>
      cmd
        .requiredOption('--older-than <dur>', 'delete what is older than this (e.g. 90d)')
        .option('--dry-run', 'only report what would be deleted'),
    async (options, ctx) => {
      const { pruneCommand } = await import('../commands/prune.js');
      return pruneCommand(options, ctx);
    },
  );

  command<object>(
    'completion',
    'print a shell completion script',
    'backup-alert completion bash > /etc/bash_completion.d/backup-alert',
    (cmd) => cmd.addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish'])),
    async (_options, ctx, args) => {
      const { completionCommand } = await import('./completion.js');
      return completionCommand(args[0] ?? '', ctx);
    },
  );
}
