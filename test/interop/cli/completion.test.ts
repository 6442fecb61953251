import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../helpers/completion.js';
import { tempDir } from '../../helpers/tmp.js';

describe('completion scripts parse in their own shells', () => {
  it('zsh script parses (zsh -n)', async () => {
    const file = join(tempDir(), '_backup-alert');
    writeFileSync(file, await completionScript('zsh'));
    const result = await execa('zsh', ['-n', file], { reject: false });
    expect(result.stderr).toBe('');
  });

  it('fish script parses (fish --no-execute)', async () => {
    const file = join(tempDir(), 'backup-alert.fish');
    writeFileSync(file, await completionScript('fish'));
    const result = await execa('fish', ['--no-execute', file], { reject: false });
    expect(result.stderr).toBe('');
  });
});
