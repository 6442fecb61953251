import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ROOT, runMain } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** The interop tier fails, never skips, when a program is missing, and names the package. */
async function need(program: string, aptPackage: string): Promise<void> {
  const found = await execa('sh', ['-c', `command -v ${program}`], { reject: false });
  if (found.exitCode !== 0) throw new Error(`${program} is missing: apt-get install -y ${aptPackage}`);
}

async function script(shell: 'bash' | 'fish'): Promise<string> {
  const path = join(tempDir(), `backup-alert.${shell}`);
  writeFileSync(path, (await runMain(['completion', shell])).stdout);
  return path;
}

describe('fish completion in a real fish', () => {
  /** What fish offers for the command line `line` (its own `complete -C`), names only. */
  async function offers(file: string, line: string): Promise<string[]> {
    const { stdout } = await execa(
      'fish',
      ['--no-config', '-c', `source ${file}; complete -C ${JSON.stringify(line)}`],
      {
        env: { PATH: process.env['PATH'], HOME: tempDir() },
        extendEnv: false,
        timeout: 20_000,
      },
    );
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((entry) => entry.split('\t')[0]!);
  }

  it('offers the commands first, then only the chosen command’s options and values', async () => {
    await need('fish', 'fish');
    const file = await script('fish');
    const first = await offers(file, 'backup-alert ');
    expect(first).toEqual(expect.arrayContaining(['run', 'history', 'serve', 'user']));
    // After a command no command is offered again (the defect: every one was).
    const afterRun = await offers(file, 'backup-alert run ');
    expect(afterRun).not.toContain('history');
    expect(afterRun).not.toContain('serve');
    const runOptions = await offers(file, 'backup-alert run --');
    expect(runOptions).toEqual(expect.arrayContaining(['--type', '--script']));
    expect(runOptions).not.toContain('--listen');
    expect(await offers(file, 'backup-alert run --type ')).toEqual(
      expect.arrayContaining(['daily', 'weekly', 'monthly', 'manual']),
    );
    expect(await offers(file, 'backup-alert serve --tls')).toEqual(['--tls-cert', '--tls-key']);
  });
});

describe('shellcheck at its default level', () => {
  it('finds nothing in the bash completion or examples/*.sh', async () => {
    await need('shellcheck', 'shellcheck');
    const examples = readdirSync(join(ROOT, 'examples'))
      .filter((name) => name.endsWith('.sh'))
      .map((name) => join(ROOT, 'examples', name));
    expect(examples.length).toBeGreaterThan(0);
    const result = await execa('shellcheck', ['-s', 'bash', await script('bash'), ...examples], {
      reject: false,
    });
    expect(result.stdout).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
