import { COMMON_OPTIONS, type CommandSpec, flagsOf, type OptionSpec } from './spec.js';

/**
 * backup-alert(1) in roff, generated from the command table like --help and completion, so
 * a command or option cannot exist in the CLI and be missing from the manual. Written to
 * man/backup-alert.1 by the build.
 */

/**
 * Text made safe for roff: backslashes, dashes (so they copy as ASCII "-"), a leading dot,
 * and anything beyond ASCII as a \[uXXXX] escape (troff reads bytes; 【緊急】 would be noise).
 */
export function roffText(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/^([.'])/gm, '\\&$1')
    .replace(
      /[^\x00-\x7f]/gu,
      (char) => `\\[u${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}]`,
    );
}

function optionLines(options: readonly OptionSpec[]): string[] {
  const lines: string[] = [];
  for (const option of options) {
    const extra = [
      option.value?.kind === 'choice' ? `one of: ${option.value.choices.join(', ')}` : undefined,
      option.default !== undefined ? `default: ${option.default}` : undefined,
      option.required ? 'required' : undefined,
      option.repeatable ? 'may be repeated' : undefined,
    ].filter((part): part is string => part !== undefined);
    lines.push('.TP', `.B ${roffText(flagsOf(option))}`);
    lines.push(
      roffText(extra.length > 0 ? `${option.description} (${extra.join('; ')})` : option.description),
    );
  }
  return lines;
}

function commandLines(command: CommandSpec, prefix: string): string[] {
  const name = `${prefix}${command.name}`;
  if (command.subcommands) {
    const lines = [`.SS "${roffText(name)}"`, roffText(`${command.description}.`)];
    if (command.defaultSubcommand) {
      lines.push(roffText(`Alone, the same as ${name} ${command.defaultSubcommand}.`));
    }
    for (const sub of command.subcommands) lines.push(...commandLines(sub, `${name} `));
    return lines;
  }
  const argument = command.argument
    ? ` ${command.argument.required ? '' : '['}${command.argument.name.toUpperCase()}${command.argument.variadic ? '...' : ''}${command.argument.required ? '' : ']'}`
    : '';
  const lines = [`.SS "${roffText(`${name}${argument}`)}"`, roffText(`${command.description}.`)];
  if (command.argument) {
    const choices = command.argument.choices ? ` (${command.argument.choices.join(', ')})` : '';
    lines.push(
      '.TP',
      `.I ${command.argument.name.toUpperCase()}`,
      roffText(`${command.argument.description}${choices}`),
    );
  }
  lines.push(...optionLines(command.options));
  lines.push('.PP', 'Example:', '.RS', '.nf', roffText(command.example), '.fi', '.RE');
  return lines;
}

export function renderManPage(commands: readonly CommandSpec[], version: string): string {
  const lines = [
    `.TH BACKUP\\-ALERT 1 "" "backup\\-alert ${roffText(version)}" "User Commands"`,
    '.SH NAME',
    'backup\\-alert \\- run a backup script, record every run, alert people when it fails',
    '.SH SYNOPSIS',
    '.B backup\\-alert',
    '.I command',
    '.RI [ options ]',
    '.SH DESCRIPTION',
    roffText(
      "backup-alert wraps an operator's backup script. It runs the script, records every run in a local SQLite database, and when a run fails it alerts people by e-mail, Slack, Microsoft Teams, webhooks and more. Messages follow the runbook OP-BKP-ALT-001 and are in Japanese by default; BACKUP_ALERT_LANG=en switches them to English.",
    ),
    '.SH COMMANDS',
    ...commands.flatMap((command) => commandLines(command, 'backup-alert ')),
    '.SH "COMMON OPTIONS"',
    'Every command takes these.',
    ...optionLines(COMMON_OPTIONS),
    '.SH FILES',
    'Run as root (system mode), the same for cron, systemd and a shell:',
    '.TP',
    '.I /etc/backup\\-alert/env',
    'settings and secrets (mode 0600)',
    '.TP',
    '.I /etc/backup\\-alert/jobs/NAME.env',
    'one file per job',
    '.TP',
    '.I /var/lib/backup\\-alert/',
    'the database backup\\-alert.db, run logs (runs/) and locks (locks/)',
    '.PP',
    'As any other user: ./.env when it exists, else',
    '.IR ~/.config/backup\\-alert/env ;',
    'jobs in',
    '.IR ~/.config/backup\\-alert/jobs/ ;',
    'state in',
    '.IR ~/.local/state/backup\\-alert/ .',
    'Under systemd, $STATE_DIRECTORY holds the state.',
    '.SH ENVIRONMENT',
    roffText(
      "Settings come from flags, then the process environment, then the env file. The runbook's names: BACKUP_ALERT_EMAIL, SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASSWORD, SMTP_FROM, SLACK_WEBHOOK_URL, TEAMS_WEBHOOK_URL, SYSTEM_URL; ours start with BACKUP_ALERT_. Any secret may be given as NAME_FILE or as a systemd credential. examples/.env.example lists them all.",
    ),
    '.SH "EXIT STATUS"',
    ...[
      ['0', 'success'],
      ['1', 'a check or test failed (status, doctor, test\\-email)'],
      ['2', 'usage error; status \\-\\-nagios CRITICAL'],
      ['65', 'the script exited 0 but its artifact or duration says otherwise'],
      ['70', 'internal error (a bug: please report it)'],
      ['75', 'another run of the same job holds the lock'],
      ['124', 'the script timed out'],
      ['126, 127', 'the script is not executable, not found'],
      ['128+n', 'the script was killed by (or we were interrupted by) signal n'],
      ['other', "run: the script's own exit code"],
    ].flatMap(([code, meaning]) => ['.TP', `.B ${code}`, meaning!]),
    '.SH "SEE ALSO"',
    '.BR crontab (5),',
    '.BR systemd.timer (5);',
    'the README and docs/ of the package.',
  ];
  return `${lines.join('\n')}\n`;
}
