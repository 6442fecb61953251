import type { HistoryOptions } from '../commands/history.js';
import type { StatusOptions } from '../commands/status.js';
import type { RunOptions } from '../run/plan.js';
import { BACKUP_TYPES, RUN_STATUSES } from '../shared/run-result.js';
import { ADMIN_COMMANDS } from './admin-commands.js';
import { FLEET_COMMANDS } from './fleet-commands.js';
import { ROUTING_COMMANDS } from './routing-commands.js';
import { type CommandSpec, defineCommand, type OptionSpec } from './spec.js';

/**
 * Every command of the CLI, as data. Each action imports its module when it runs,
 * so one invocation loads one command (the build groups the everyday ones).
 */

const TYPE: OptionSpec['value'] = { kind: 'choice', name: 'type', choices: BACKUP_TYPES };
/** A job name (a slug; `run` refuses any other). */
const JOB: OptionSpec['value'] = { kind: 'text', name: 'name' };
const DURATION = (name = 'dur'): OptionSpec['value'] => ({ kind: 'text', name });

export const COMMANDS: readonly CommandSpec[] = [
  defineCommand<RunOptions>({
    name: 'run',
    description: 'run the backup script, record the run, alert on failure',
    example: 'backup-alert run --job pg   # or: run --type daily --script /opt/backup/backup.sh --timeout 4h',
    options: [
      {
        long: 'type',
        short: 't',
        description:
          "backup type (default: the job file's BACKUP_ALERT_TYPE, or the job's name when it is a type)",
        value: TYPE,
      },
      {
        long: 'job',
        short: 'j',
        description:
          'job name: reads <jobs dir>/NAME.env; status, lock and alerts are per job (default: the type)',
        value: JOB,
      },
      {
        long: 'test',
        description:
          'runbook §7.3 simulation: run the script (default /usr/bin/false), alert every channel marked as a test; status ignores it',
      },
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
      { long: 'job', description: 'only runs of this job (with --fleet: on every host)', value: JOB },
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
    description: 'latest run per job; exit 1 when one failed or is older than --max-age',
    example: 'backup-alert status --max-age 26h --nagios   # or: status --job pg --nagios',
    options: [
      { long: 'type', description: 'only the jobs of this type', value: TYPE },
      { long: 'job', description: 'only this job (with --fleet: on every host)', value: JOB },
      {
        long: 'max-age',
        description: 'the latest success must be younger than this (e.g. 26h)',
        value: DURATION(),
      },
      { long: 'json', description: 'JSON output', conflicts: 'nagios' },
      { long: 'nagios', description: 'monitoring-plugin output: OK|WARNING|CRITICAL, exit 0/1/2' },
      { long: 'fleet', description: 'every host × job, from the centre: one check for the whole fleet' },
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
  defineCommand<{ json?: boolean }>({
    name: 'jobs',
    description: 'every job: its file, type, promise, last run and health',
    example: 'backup-alert jobs --json',
    options: [{ long: 'json', description: 'a JSON array' }],
    action: async (options, ctx) => {
      const { jobsCommand } = await import('../commands/jobs.js');
      return jobsCommand(options, ctx);
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
  ...ADMIN_COMMANDS,
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
