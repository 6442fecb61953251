import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { runMain } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/process.js';
import { tempDir } from '../../helpers/tmp.js';

/**
 * bash completion in a real terminal: an interactive bash in tmux with our script loaded,
 * keys sent as a person types them (TAB included), the screen read back. This is what
 * `complete -o filenames`, readline's quoting and the trailing space depend on.
 */
async function terminal(cwd: string) {
  const socket = `backup-alert-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const tmux = (...args: string[]) =>
    execa('tmux', ['-L', socket, '-f', '/dev/null', ...args], {
      // No history file: bash would write it into the temp tree while it is being removed.
      env: {
        PATH: process.env['PATH'],
        HOME: join(cwd, '..'),
        HISTFILE: '/dev/null',
        TERM: 'xterm',
        LANG: 'C.UTF-8',
      },
      extendEnv: false,
    });
  const file = join(cwd, '..', 'backup-alert.bash');
  writeFileSync(file, (await runMain(['completion', 'bash'])).stdout);
  await tmux('new-session', '-d', '-s', 't', '-x', '200', '-y', '20', '-c', cwd, 'bash --norc --noprofile');
  onTestFinished(async () => {
    await tmux('kill-server').catch(() => undefined);
  });
  const screenLine = async () => {
    const { stdout } = await tmux('capture-pane', '-p', '-t', 't');
    return (
      stdout
        .split('\n')
        .filter((line) => line === '$' || line.startsWith('$ '))
        .at(-1) ?? ''
    );
  };
  await tmux('send-keys', '-t', 't', `PS1='$ '; source '${file}'; clear`, 'Enter');
  await waitFor(async () => (await screenLine()).trimEnd() === '$', 10_000);
  return {
    /** Types `text`, presses TAB, and returns the line as the screen shows it (trailing spaces kept). */
    async complete(text: string): Promise<string> {
      await tmux('send-keys', '-t', 't', '-l', text);
      await tmux('send-keys', '-t', 't', 'Tab');
      let line = '';
      // Completion is done when the line has changed from what was typed.
      await waitFor(async () => {
        line = await screenLine();
        return line.trimEnd() !== `$ ${text}`.trimEnd();
      }, 5_000);
      // The screen does not show a trailing space; the cursor does (one column further).
      const cursor = Number((await tmux('display-message', '-p', '-t', 't', '#{cursor_x}')).stdout);
      const shown = line.trimEnd();
      await tmux('send-keys', '-t', 't', 'C-u');
      await waitFor(async () => (await screenLine()).trimEnd() === '$', 5_000);
      return `${shown.replace(/^\$ /, '')}${' '.repeat(Math.max(0, cursor - shown.length))}`;
    },
  };
}

describe('bash completion of paths in a real terminal (tmux)', () => {
  it('completes --script, --env-file and --db: a directory gets "/" and no space, a name with a space stays whole', async () => {
    const cwd = join(tempDir(), 'work');
    mkdirSync(join(cwd, 'scripts.d'), { recursive: true });
    writeFileSync(join(cwd, 'my backup.sh'), '');
    writeFileSync(join(cwd, 'prod.env'), '');
    writeFileSync(join(cwd, 'state.sqlite'), '');
    const term = await terminal(cwd);
    expect(await term.complete('backup-alert run --type daily --script my')).toBe(
      'backup-alert run --type daily --script my\\ backup.sh ',
    );
    expect(await term.complete('backup-alert run --script scr')).toBe('backup-alert run --script scripts.d/');
    expect(await term.complete('backup-alert doctor --env-file pro')).toBe(
      'backup-alert doctor --env-file prod.env ',
    );
    expect(await term.complete('backup-alert history --db sta')).toBe(
      'backup-alert history --db state.sqlite ',
    );
  });
});
