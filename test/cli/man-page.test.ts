import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { renderManPage, roffText } from '../../src/cli/man-page.js';
import { COMMON_OPTIONS, type CommandSpec, flagsOf } from '../../src/cli/spec.js';

/** Every runnable command by its full name, with its options: what the page must name. */
function leaves(commands: readonly CommandSpec[], prefix = 'backup-alert '): [string, CommandSpec][] {
  return commands.flatMap((command) =>
    command.subcommands
      ? leaves(command.subcommands, `${prefix}${command.name} `)
      : [[`${prefix}${command.name}`, command] as [string, CommandSpec]],
  );
}

describe('the man page, generated from the command table', () => {
  const page = renderManPage(COMMANDS, '9.9.9');

  it('has a section for every command and subcommand', () => {
    const all = leaves(COMMANDS);
    expect(all.map(([name]) => name)).toContain('backup-alert init');
    for (const [name] of all) expect(page).toContain(`.SS "${roffText(name)}`);
  });

  it('names every option of every command, and the common ones', () => {
    for (const [, command] of leaves(COMMANDS)) {
      for (const option of command.options) expect(page).toContain(`.B ${roffText(flagsOf(option))}\n`);
    }
    for (const option of COMMON_OPTIONS) expect(page).toContain(`.B ${roffText(flagsOf(option))}\n`);
  });

  it('is plain ASCII roff: dashes, backslashes, leading dots and non-ASCII escaped', () => {
    expect(roffText('.x -a \\ 【緊急】')).toBe('\\&.x \\-a \\e \\[u3010]\\[u7DCA]\\[u6025]\\[u3011]');
    expect(page).toMatch(/^[\x00-\x7f]*$/);
    expect(page.startsWith('.TH BACKUP\\-ALERT 1 "" "backup\\-alert 9.9.9"')).toBe(true);
  });
});
