import type * as Commander from 'commander';
import type { Command } from 'commander';
import { showControls } from '../shared/terminal-text.js';
import { VERSION } from '../shared/version.js';
import { COMMANDS } from './commands.js';
import { COMMON_OPTIONS, type CommandSpec, type CommonOptions, flagsOf, type OptionSpec } from './spec.js';

export interface ProgramIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Runs one command once commander has parsed its options; returns its exit code. */
export type Runner = (
  spec: CommandSpec,
  options: Record<string, unknown> & CommonOptions,
  args: string[],
) => Promise<number>;

const TOP_HELP = [
  '',
  'Examples:',
  '  backup-alert run --type daily --script /opt/backup/backup.sh --timeout 4h --quiet',
  '  backup-alert test-email --to admin@example.com',
  '  backup-alert status --type daily --max-age 26h --nagios',
  '  backup-alert doctor',
  '',
  "Exit codes: 0 ok; the script's own code on failure; 2 usage; 65 exited 0 but its artifact or duration",
  'says otherwise; 70 internal error; 75 lock busy; 124 timed out; 126 not executable; 127 not found;',
  '128+n signal n. Settings: see the README.',
  '',
].join('\n');

/**
 * The commander program, generated from the command table. The exit code of
 * the command that ran is handed back by `exitCode()`, not stored on commander.
 */
export function buildProgram(
  commander: typeof Commander,
  io: ProgramIo,
  run: Runner,
  argv: readonly string[] = [],
): { program: Command; exitCode: () => number } {
  // Commander's errors quote what was typed (`--type $'\e[2J'`): shown, never acted on.
  const output = { writeOut: io.stdout, writeErr: (text: string) => io.stderr(showControls(text)) };
  const program = new commander.Command('backup-alert')
    .description('Run a backup script, record every run, and alert people when it fails.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput(output)
    .enablePositionalOptions()
    .addHelpText('after', TOP_HELP);
  let exitCode = 0;
  const add = (parent: Command, spec: CommandSpec, isDefault = false): void => {
    const command = parent
      .command(spec.name, { isDefault })
      .description(spec.description)
      .exitOverride()
      .configureOutput(output)
      .addHelpText('after', `\nExample:\n  ${spec.example}\n`);
    if (spec.subcommands) {
      // A group: `channels` alone runs its default subcommand (list).
      for (const sub of spec.subcommands) add(command, sub, sub.name === spec.defaultSubcommand);
      return;
    }
    for (const option of [...spec.options, ...COMMON_OPTIONS]) command.addOption(optionOf(commander, option));
    if (spec.argument) command.addArgument(argumentOf(commander, spec));
    if (spec.passThrough) command.passThroughOptions();
    command.action(async function (this: Command) {
      exitCode = await run(spec, this.opts(), this.args);
    });
  };
  // Only the command being run, when the first word names one: building every command's
  // options is a few ms of start-up for nothing. --help, `help` and a typo get them all
  // (the command list, and commander's "did you mean").
  const named = COMMANDS.find((spec) => spec.name === argv[0]);
  for (const spec of named ? [named] : COMMANDS) add(program, spec);
  return { program, exitCode: () => exitCode };
}

function optionOf(commander: typeof Commander, spec: OptionSpec): Commander.Option {
  const option = new commander.Option(flagsOf(spec), spec.description);
  if (spec.value?.kind === 'choice') option.choices(spec.value.choices);
  if (spec.default !== undefined) option.default(spec.default);
  if (spec.required) option.makeOptionMandatory();
  if (spec.repeatable)
    option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
  if (spec.conflicts) option.conflicts(spec.conflicts.replace(/-(\w)/g, (_, c: string) => c.toUpperCase()));
  return option;
}

function argumentOf(commander: typeof Commander, spec: CommandSpec): Commander.Argument {
  const arg = spec.argument!;
  const name = `${arg.name}${arg.variadic ? '...' : ''}`;
  const argument = new commander.Argument(arg.required ? `<${name}>` : `[${name}]`, arg.description);
  if (arg.choices) argument.choices(arg.choices);
  return argument;
}
