import type { CommandContext } from '../context.js';
import { UsageError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';

/**
 * Shell completion from a static table: the generated scripts must not call
 * back into node on every <Tab> (slow on a loaded backup host). Keep the
 * table in step with src/cli.ts; test/completion.test.ts checks every
 * option of every `--help` appears here.
 */
interface OptionSpec {
  long: string;
  short?: string;
  description: string;
  /** Takes a value: a fixed list, a file path, or free text. */
  value?: readonly string[] | 'file' | 'text';
}

interface CommandSpec {
  name: string;
  description: string;
  options: readonly OptionSpec[];
  /** Positional argument choices (completion's shell). */
  args?: readonly string[];
}

const TYPES = ['daily', 'weekly', 'monthly', 'manual'] as const;
const COMMON: readonly OptionSpec[] = [
  { long: 'env-file', description: 'read settings from this env file', value: 'file' },
  { long: 'db', description: 'SQLite database', value: 'file' },
  { long: 'verbose', short: 'v', description: 'more log output' },
  { long: 'silent', short: 's', description: 'only errors in log output' },
  { long: 'log-format', description: 'log line format', value: ['text', 'json'] },
  { long: 'help', short: 'h', description: 'show help' },
];

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'run',
    description: 'run the backup script, record the run, alert on failure',
    options: [
      { long: 'type', short: 't', description: 'backup type', value: TYPES },
      { long: 'script', description: 'backup script', value: 'file' },
      { long: 'timeout', description: 'kill the script after this long', value: 'text' },
      { long: 'kill-after', description: 'grace between SIGTERM and SIGKILL', value: 'text' },
      { long: 'quiet', short: 'q', description: "print the script's output only if it fails" },
      { long: 'no-lock', description: 'allow overlapping runs of the same script' },
    ],
  },
  {
    name: 'test-email',
    description: 'check the SMTP settings and send a test message',
    options: [
      { long: 'to', description: 'recipients, comma-separated', value: 'text' },
      { long: 'verify-only', description: 'only check the connection and login' },
    ],
  },
  {
    name: 'test-notify',
    description: 'send a test alert through each configured channel',
    options: [
      { long: 'channel', description: 'which channel', value: ['email', 'slack', 'teams', 'webhook', 'all'] },
    ],
  },
  {
    name: 'history',
    description: 'list recorded runs, newest first',
    options: [
      {
        long: 'status',
        description: 'only runs with this status',
        value: ['success', 'failure', 'running', 'abandoned'],
      },
      { long: 'type', description: 'only runs of this type', value: TYPES },
      { long: 'limit', short: 'n', description: 'at most this many runs', value: 'text' },
      { long: 'json', description: 'a JSON array' },
    ],
  },
  {
    name: 'status',
    description: 'latest run per type, for monitoring',
    options: [
      { long: 'type', description: 'only this type', value: TYPES },
      { long: 'max-age', description: 'the latest success must be younger than this', value: 'text' },
      { long: 'json', description: 'JSON output' },
      { long: 'nagios', description: 'monitoring-plugin output' },
    ],
  },
  {
    name: 'doctor',
    description: 'check the configuration and print a checklist',
    options: [
      { long: 'json', description: 'JSON output' },
      { long: 'send', description: 'also send a test request to each webhook' },
    ],
  },
  { name: 'retry', description: 're-send notifications that could not be delivered', options: [] },
  {
    name: 'prune',
    description: 'delete old runs, their notifications and log files',
    options: [
      { long: 'older-than', description: 'delete what is older than this', value: 'text' },
      { long: 'dry-run', description: 'only report what would be deleted' },
    ],
  },
  {
    name: 'completion',
    description: 'print a shell completion script',
    options: [],
    args: ['bash', 'zsh', 'fish'],
  },
  { name: 'help', description: 'display help for a command', options: [] },
];

const GLOBAL: readonly OptionSpec[] = [
  { long: 'version', short: 'V', description: 'print the version' },
  { long: 'help', short: 'h', description: 'show help' },
];

const optionsOf = (command: CommandSpec): OptionSpec[] =>
  command.name === 'help' ? [] : [...command.options, ...COMMON];
const flags = (option: OptionSpec): string[] => [
  `--${option.long}`,
  ...(option.short ? [`-${option.short}`] : []),
];
/** Single-quoted for every shell we emit; descriptions are ours, but keep quoting honest. */
const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

function bashScript(): string {
  const cases: string[] = [];
  const values: string[] = [];
  for (const command of COMMANDS) {
    if (command.name === 'help') continue;
    const words = optionsOf(command).flatMap(flags);
    const positional = command.args ? ` ${command.args.join(' ')}` : '';
    cases.push(`    ${command.name}) opts=${quote(words.join(' ') + positional)} ;;`);
  }
  const seen = new Set<string>();
  const valueFlags: string[] = [];
  for (const option of COMMANDS.flatMap(optionsOf)) {
    const key = flags(option).join('|');
    if (!option.value || seen.has(option.long)) continue;
    seen.add(option.long);
    valueFlags.push(key);
    // --type takes the same values wherever it appears; the first spelling (with -t) covers both.
    const action =
      option.value === 'file'
        ? 'COMPREPLY=($(compgen -f -- "$cur")); return 0'
        : option.value === 'text'
          ? 'return 0'
          : `COMPREPLY=($(compgen -W ${quote(option.value.join(' '))} -- "$cur")); return 0`;
    values.push(`    ${key}) ${action} ;;`);
  }
  const names = COMMANDS.map((c) => c.name).join(' ');
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
      ${valueFlags.join('|')}) ((i++)) ;;
      -*) ;;
      *) cmd="\${COMP_WORDS[i]}"; break ;;
    esac
  done
  case "$prev" in
${values.join('\n')}
  esac
  case "$cmd" in
    "") opts=${quote(`${names} ${GLOBAL.flatMap(flags).join(' ')}`)} ;;
    help) opts=${quote(names)} ;;
${cases.join('\n')}
    *) opts="" ;;
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  return 0
}
complete -o default -F _backup_alert backup-alert
`;
}

function zshValue(option: OptionSpec): string {
  if (!option.value) return '';
  if (option.value === 'file') return ':path:_files';
  if (option.value === 'text') return `:${option.long}: `;
  return `:${option.long}:(${option.value.join(' ')})`;
}

function zshScript(): string {
  const functions: string[] = [];
  for (const command of COMMANDS) {
    const specs = optionsOf(command).map((option) => {
      const spec = `[${option.description.replace(/[[\]:']/g, '')}]${zshValue(option)}`;
      return option.short
        ? `    ${quote(`(-${option.short} --${option.long})`)}{-${option.short},--${option.long}}${quote(spec)}`
        : `    ${quote(`--${option.long}${spec}`)}`;
    });
    if (command.args) specs.push(`    ${quote(`1:shell:(${command.args.join(' ')})`)}`);
    if (command.name === 'help')
      specs.push(`    ${quote('1:command:(' + COMMANDS.map((c) => c.name).join(' ') + ')')}`);
    functions.push(
      `_backup_alert_${command.name.replace(/-/g, '_')}() {\n  _arguments -s \\\n${specs.join(' \\\n')}\n}`,
    );
  }
  const list = COMMANDS.map((c) => `    ${quote(`${c.name}:${c.description.replace(/:/g, '')}`)}`).join('\n');
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

function fishScript(): string {
  const lines = [
    '# fish completion for backup-alert',
    '# Install: backup-alert completion fish > ~/.config/fish/completions/backup-alert.fish',
    `set -l backup_alert_commands ${COMMANDS.map((c) => c.name).join(' ')}`,
    'complete -c backup-alert -f',
    "complete -c backup-alert -n 'not __fish_seen_subcommand_from $backup_alert_commands' -s V -l version -d 'print the version'",
  ];
  for (const command of COMMANDS) {
    lines.push(
      `complete -c backup-alert -n 'not __fish_seen_subcommand_from $backup_alert_commands' -a ${command.name} -d ${quote(command.description)}`,
    );
  }
  for (const command of COMMANDS) {
    const when = `-n '__fish_seen_subcommand_from ${command.name}'`;
    for (const option of optionsOf(command)) {
      const short = option.short ? ` -s ${option.short}` : '';
      const value =
        option.value === undefined
          ? ''
          : option.value === 'file'
            ? ' -r -F'
            : option.value === 'text'
              ? ' -r'
              : ` -x -a ${quote(option.value.join(' '))}`;
      lines.push(
        `complete -c backup-alert ${when}${short} -l ${option.long}${value} -d ${quote(option.description)}`,
      );
    }
    if (command.args) lines.push(`complete -c backup-alert ${when} -a ${quote(command.args.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

const SCRIPTS: Record<string, () => string> = { bash: bashScript, zsh: zshScript, fish: fishScript };

/** `completion bash|zsh|fish`: prints the script on stdout. */
export async function completionCommand(shell: string, ctx: Pick<CommandContext, 'io'>): Promise<number> {
  const script = SCRIPTS[shell];
  if (!script) throw new UsageError(`unknown shell "${shell}": use bash, zsh or fish`);
  ctx.io.stdout(script());
  return ExitCode.ok;
}
