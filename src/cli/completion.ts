import type { CommandContext } from '../context.js';
import { UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { COMMON_OPTIONS, type CommandSpec, type OptionSpec } from './spec.js';

/**
 * Shell completion, generated from the command table: the scripts are static, so
 * a <Tab> on a loaded backup host never calls back into node.
 */

interface Completable {
  name: string;
  description: string;
  options: readonly OptionSpec[];
  /** Positional argument choices. */
  args?: readonly string[];
}

/** A command's options; for a group, every subcommand's (each long name once). */
function optionsOf(command: CommandSpec): OptionSpec[] {
  if (!command.subcommands) return [...command.options];
  const byName = new Map<string, OptionSpec>();
  for (const sub of command.subcommands) for (const option of sub.options) byName.set(option.long, option);
  return [...byName.values()];
}

const HELP_OPTION: OptionSpec = { long: 'help', short: 'h', description: 'show help' };
const GLOBAL: readonly OptionSpec[] = [
  { long: 'version', short: 'V', description: 'print the version' },
  HELP_OPTION,
];

/** Every command as completion sees it: its options and the common ones, plus commander's `help`. */
export function completable(commands: readonly CommandSpec[]): Completable[] {
  return [
    ...commands.map((command) => ({
      name: command.name,
      description: command.description,
      options: [...optionsOf(command), ...COMMON_OPTIONS, HELP_OPTION],
      ...(command.argument?.choices ? { args: command.argument.choices } : {}),
      // A group (`channels add …`) completes its subcommands as its first word.
      ...(command.subcommands ? { args: command.subcommands.map((sub) => sub.name) } : {}),
    })),
    { name: 'help', description: 'display help for a command', options: [] },
  ];
}

const flags = (option: OptionSpec): string[] => [
  `--${option.long}`,
  ...(option.short ? [`-${option.short}`] : []),
];
/** Single-quoted for every shell we emit; descriptions are ours, but keep quoting honest. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;
const plain = (text: string) => text.replace(/[[\]:'$`"\\]/g, '');

function bashScript(COMPLETABLE: readonly Completable[]): string {
  const cases: string[] = [];
  const specific: string[] = [];
  const generic: string[] = [];
  const valueFlags = new Set<string>();
  const seen = new Set<string>();
  // An option name whose values differ between commands (`run --type` takes a backup type,
  // `channels add --type` a channel type) is completed per command; the others everywhere.
  const shapes = new Map<string, Set<string>>();
  for (const command of COMPLETABLE)
    for (const option of command.options)
      if (option.value)
        shapes.set(option.long, (shapes.get(option.long) ?? new Set()).add(JSON.stringify(option.value)));
  for (const command of COMPLETABLE) {
    if (command.name === 'help') continue;
    const words = command.options.flatMap(flags);
    const positional = command.args ? ` ${command.args.join(' ')}` : '';
    cases.push(`    ${command.name}) opts=${quote(words.join(' ') + positional)} ;;`);
    for (const option of command.options) {
      if (!option.value) continue;
      for (const flag of flags(option)) valueFlags.add(flag);
      const ambiguous = (shapes.get(option.long)?.size ?? 0) > 1;
      // Per flag, not per option: `run --job/-j` and `status --job` share `--job`, and a second
      // pattern for it would never match (shellcheck SC2221/SC2222).
      const patterns = flags(option)
        .map((flag) => (ambiguous ? `"${command.name} ${flag}"` : `*" ${flag}"`))
        .filter((pattern) => !seen.has(pattern));
      if (patterns.length === 0) continue;
      for (const pattern of patterns) seen.add(pattern);
      const key = patterns.join('|');
      // Paths: one name a line (names with spaces stay whole), `-o filenames` for the `/` after a directory.
      const action =
        option.value.kind === 'file'
          ? 'compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0'
          : option.value.kind === 'text'
            ? 'return 0'
            : `mapfile -t COMPREPLY < <(compgen -W ${quote(option.value.choices.join(' '))} -- "$cur"); return 0`;
      (ambiguous ? specific : generic).push(`    ${key}) ${action} ;;`);
    }
  }
  const values = [...specific, ...generic];
  const names = COMPLETABLE.map((c) => c.name).join(' ');
  return `# bash completion for backup-alert
# Install: backup-alert completion bash > /etc/bash_completion.d/backup-alert
_backup_alert() {
  local cur prev cmd opts i
  COMPREPLY=()
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd=""
  # The command is the first word that is neither an option nor an option's value.
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in
      ${[...valueFlags].join('|')}) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$cmd $prev" in
${values.join('\n')}
  esac
  case "$cmd" in
    "") opts=${quote(`${names} ${GLOBAL.flatMap(flags).join(' ')}`)} ;;
    help) opts=${quote(names)} ;;
${cases.join('\n')}
    *) opts="" ;;
  esac
  mapfile -t COMPREPLY < <(compgen -W "$opts" -- "$cur")
  return 0
}
complete -o default -F _backup_alert backup-alert
`;
}

function zshValue(option: OptionSpec): string {
  if (!option.value) return '';
  if (option.value.kind === 'file') return ':path:_files';
  if (option.value.kind === 'text') return `:${option.long}: `;
  return `:${option.long}:(${option.value.choices.join(' ')})`;
}

function zshScript(COMPLETABLE: readonly Completable[]): string {
  const functions: string[] = [];
  for (const command of COMPLETABLE) {
    const specs = command.options.map((option) => {
      const spec = `[${plain(option.description)}]${zshValue(option)}`;
      return option.short
        ? `    ${quote(`(-${option.short} --${option.long})`)}{-${option.short},--${option.long}}${quote(spec)}`
        : `    ${quote(`--${option.long}${spec}`)}`;
    });
    if (command.args) {
      const what = command.name === 'completion' ? 'shell' : 'subcommand';
      specs.push(`    ${quote(`1:${what}:(${command.args.join(' ')})`)}`);
    }
    if (command.name === 'help')
      specs.push(`    ${quote(`1:command:(${COMPLETABLE.map((c) => c.name).join(' ')})`)}`);
    functions.push(
      `_backup_alert_${command.name.replace(/-/g, '_')}() {\n  _arguments -s \\\n${specs.join(' \\\n')}\n}`,
    );
  }
  const list = COMPLETABLE.map((c) => `    ${quote(`${c.name}:${plain(c.description)}`)}`).join('\n');
  return `#compdef backup-alert
# zsh completion for backup-alert
# Install: backup-alert completion zsh > "\${fpath[1]}/_backup-alert"
${functions.join('\n\n')}

_backup_alert() {
  local line state
  local -a commands
  commands=(
${list}
  )
  _arguments -C \\
    '(-V --version)'{-V,--version}'[print the version]' \\
    '(-h --help)'{-h,--help}'[show help]' \\
    '1: :->command' \\
    '*:: :->args'
  case $state in
    command) _describe 'command' commands ;;
    args) (( $+functions[_backup_alert_\${line[1]//-/_}] )) && _backup_alert_\${line[1]//-/_} ;;
  esac
}

_backup_alert "$@"
`;
}

function fishScript(COMPLETABLE: readonly Completable[]): string {
  const names = COMPLETABLE.map((c) => c.name).join(' ');
  // The names written into the condition itself: fish runs a condition later, in its own
  // scope, where a `set -l` variable of this file is empty (every command was offered after
  // a command).
  const noCommand = `-n 'not __fish_seen_subcommand_from ${names}'`;
  const lines = [
    '# fish completion for backup-alert',
    '# Install: backup-alert completion fish > ~/.config/fish/completions/backup-alert.fish',
    'complete -c backup-alert -f',
    `complete -c backup-alert ${noCommand} -s V -l version -d 'print the version'`,
  ];
  for (const command of COMPLETABLE) {
    lines.push(`complete -c backup-alert ${noCommand} -a ${command.name} -d ${quote(command.description)}`);
  }
  for (const command of COMPLETABLE) {
    const when = `-n '__fish_seen_subcommand_from ${command.name}'`;
    for (const option of command.options) {
      const short = option.short ? ` -s ${option.short}` : '';
      const value = !option.value
        ? ''
        : option.value.kind === 'file'
          ? ' -r -F'
          : option.value.kind === 'text'
            ? ' -r'
            : ` -x -a ${quote(option.value.choices.join(' '))}`;
      lines.push(
        `complete -c backup-alert ${when}${short} -l ${option.long}${value} -d ${quote(option.description)}`,
      );
    }
    if (command.args) lines.push(`complete -c backup-alert ${when} -a ${quote(command.args.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

const SCRIPTS: Record<string, (commands: readonly Completable[]) => string> = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
};

/** `completion bash|zsh|fish`: prints the script for the command table on stdout. */
export async function completionCommand(
  shell: string,
  commands: readonly CommandSpec[],
  ctx: Pick<CommandContext, 'io'>,
): Promise<number> {
  const script = SCRIPTS[shell];
  if (!script) throw new UsageError(`unknown shell "${shell}": use bash, zsh or fish`);
  ctx.io.stdout(script(completable(commands)));
  return ExitCode.ok;
}
