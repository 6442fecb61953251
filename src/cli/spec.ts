import type { CommandContext } from '../context.js';

/**
 * The shape of the command table: commander, --help and the completion scripts
 * are all generated from it, so an option cannot exist in one and not the others.
 */
export type OptionValue =
  /** One of a fixed list (completed from it, validated by commander). */
  | { kind: 'choice'; name: string; choices: readonly string[] }
  /** A path (completed with file names). */
  | { kind: 'file'; name: string }
  /** Free text: a duration, an address, a number. */
  | { kind: 'text'; name: string };

export interface OptionSpec {
  /** Without the dashes; `no-lock` declares a negation (`lock: false`). */
  long: string;
  short?: string;
  description: string;
  value?: OptionValue;
  required?: boolean;
  default?: string;
  /** Another option's long name this one cannot be combined with. */
  conflicts?: string;
  /** May be given more than once; the command gets every value, in order, as an array. */
  repeatable?: boolean;
}

export interface ArgumentSpec {
  name: string;
  description: string;
  choices?: readonly string[];
  variadic?: boolean;
  required?: boolean;
}

/** Options every command takes, as commander hands them over. */
export interface CommonOptions {
  envFile?: string;
  db?: string;
  verbose?: boolean;
  silent?: boolean;
  logFormat?: 'text' | 'json';
}

export interface CommandSpec {
  name: string;
  description: string;
  /** Shown at the end of the command's --help. */
  example: string;
  options: readonly OptionSpec[];
  argument?: ArgumentSpec;
  /** Everything after the first argument is the script's (`run … -- ARGS`). */
  passThrough?: boolean;
  /** Imports the command's module (only the command that runs is loaded) and runs it. */
  action: (options: Record<string, unknown>, ctx: CommandContext, args: string[]) => Promise<number>;
  /** `channels list|add|…`: a group of commands; its own action is never called. */
  subcommands?: readonly CommandSpec[];
  /** The subcommand the group alone runs (`backup-alert channels` = `channels list`). */
  defaultSubcommand?: string;
}

/** Declares a group (`backup-alert channels add …`): one command per subcommand, each a full spec. */
export function defineGroup(spec: {
  name: string;
  description: string;
  example: string;
  subcommands: readonly CommandSpec[];
  defaultSubcommand?: string;
}): CommandSpec {
  return { ...spec, options: [], action: async () => 2 };
}

/** Declares one command; `O` is its options' type, checked where the command is written. */
export function defineCommand<O extends object>(
  spec: Omit<CommandSpec, 'action'> & {
    action: (options: O & CommonOptions, ctx: CommandContext, args: string[]) => Promise<number>;
  },
): CommandSpec {
  // commander builds the object from this very table, so it has the declared keys.
  return { ...spec, action: (options, ctx, args) => spec.action(options as O & CommonOptions, ctx, args) };
}

/** `--type <type>`, `-t, --type <type>`, `--no-lock`: commander's flag syntax for an option. */
export function flagsOf(option: OptionSpec): string {
  const long = `--${option.long}${option.value ? ` <${option.value.name}>` : ''}`;
  return option.short ? `-${option.short}, ${long}` : long;
}

/** Options every command takes. */
export const COMMON_OPTIONS: readonly OptionSpec[] = [
  {
    long: 'env-file',
    description:
      'read settings from this env file (default: root /etc/backup-alert/env; others ./.env, else ~/.config/backup-alert/env)',
    value: { kind: 'file', name: 'path' },
  },
  {
    long: 'db',
    description:
      'SQLite database (default: $STATE_DIRECTORY, else root /var/lib/backup-alert/, others ~/.local/state/backup-alert/)',
    value: { kind: 'file', name: 'path' },
  },
  { long: 'verbose', short: 'v', description: 'more log output (debug lines)' },
  { long: 'silent', short: 's', description: 'only errors in log output' },
  {
    long: 'log-format',
    description: 'log line format',
    value: { kind: 'choice', name: 'format', choices: ['text', 'json'] },
  },
];
