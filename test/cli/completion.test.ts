import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { COMMANDS as TABLE } from '../../src/cli/commands.js';
import { completable } from '../../src/cli/completion.js';

const COMMANDS = completable(TABLE);

import { runCli, runMain } from '../helpers/cli.js';
import { completionScript } from '../helpers/completion.js';
import { tempDir } from '../helpers/tmp.js';

/** Loads the bash script and asks it to complete `words` (the last one being completed). */
async function complete(words: string[]): Promise<string[]> {
  const file = join(tempDir(), 'backup-alert.bash');
  writeFileSync(file, await completionScript('bash'));
  const program = `source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _backup_alert; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const result = await execa('bash', ['-c', program, 'bash', file, 'backup-alert', ...words], {
    reject: false,
  });
  expect(result.stderr).toBe('');
  return result.stdout.split('\n').filter(Boolean);
}

describe('completion', () => {
  it('bash script parses (bash -n) and registers the completion', async () => {
    const file = join(tempDir(), 'c.bash');
    writeFileSync(file, await completionScript('bash'));
    const syntax = await execa('bash', ['-n', file], { reject: false });
    expect(syntax.stderr).toBe('');
    expect(syntax.exitCode).toBe(0);
    const loaded = await execa('bash', ['-c', `source "${file}" && complete -p backup-alert`], {
      reject: false,
    });
    expect(loaded.stdout).toContain('-F _backup_alert backup-alert');
  });

  it('bash completes commands, options and option values', async () => {
    expect(await complete(['te'])).toEqual(['test-email', 'test-notify']);
    expect(await complete(['run', '--ty'])).toEqual(['--type']);
    expect(await complete(['run', '--type', 'm'])).toEqual(['monthly', 'manual']);
    expect(await complete(['--verbose', 'prune', '--d'])).toEqual(['--dry-run', '--db']);
    expect(await complete(['completion', 'f'])).toEqual(['fish']);
    expect(await complete(['test-notify', '--channel', 's'])).toEqual(['slack']);
    expect(await complete(['run', '--log-format', ''])).toEqual(['text', 'json']);
    expect(await complete(['--db', '/tmp/x.db', 'history', '--st'])).toEqual(['--status']);
    expect(await complete(['help', 'pr'])).toEqual(['prune']);
  });

  it('lists every command and every option that --help shows', async () => {
    const top = await runMain(['--help']);
    const section = top.stdout.slice(top.stdout.indexOf('Commands:')).split('\n\n')[0] ?? '';
    const commands = [...section.matchAll(/^ {2}([a-z][a-z-]+)/gm)].map((m) => m[1]);
    expect(commands.length).toBeGreaterThan(5);
    const bash = await completionScript('bash');
    const fish = await completionScript('fish');
    for (const command of commands) {
      expect(COMMANDS.map((c) => c.name)).toContain(command);
      if (command === 'help') continue;
      const help = await runMain([command!, '--help']);
      const options = new Set([...help.stdout.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));
      const line = bash.split('\n').find((l) => l.trim().startsWith(`${command}) opts=`));
      expect(line, command).toBeDefined();
      for (const option of options) {
        expect(line, `${command} ${option}`).toContain(option);
        expect(fish, `${command} ${option}`).toContain(`-l ${option.slice(2)}`);
      }
    }
  });

  it('zsh and fish scripts name every command', async () => {
    const zsh = await completionScript('zsh');
    const fish = await completionScript('fish');
    expect(zsh.startsWith('#compdef backup-alert\n')).toBe(true);
    for (const { name } of COMMANDS) {
      expect(zsh).toContain(`'${name}:`);
      expect(fish).toContain(`-a ${name} `);
    }
  });

  it('the built CLI prints a bash script that loads, as a user would install it', async () => {
    const result = await runCli(['completion', 'bash']);
    expect(result.exitCode).toBe(0);
    const loaded = await execa(
      'bash',
      ['-c', 'eval "$1" && complete -p backup-alert', 'bash', result.stdout],
      {
        reject: false,
      },
    );
    expect(loaded.exitCode).toBe(0);
  });

  it('rejects an unknown shell with exit 2', async () => {
    const result = await runMain(['completion', 'powershell']);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toBe('');
  });
});
