import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AMTOOL, amtool } from '../helpers/alertmanager.js';
import { ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const EXAMPLE = join(ROOT, 'examples', 'alertmanager');

describe('examples/alertmanager', () => {
  it('needs amtool', () => {
    expect(existsSync(AMTOOL), 'sudo apt-get install prometheus-alertmanager').toBe(true);
  });

  it('passes amtool check-config, templates included', async () => {
    const result = await amtool(['check-config', join(EXAMPLE, 'alertmanager.yml')]);
    expect(result.output).toContain('SUCCESS');
    expect(result.output).toMatch(/1 templates/);
    expect(result.exitCode).toBe(0);
  });

  it('groups by alertname and target, and a BackupTargetDown mutes the per-host failures on its target', () => {
    const text = readFileSync(join(EXAMPLE, 'alertmanager.yml'), 'utf8');
    // Either quote style: the formatter (biome) writes YAML strings with double quotes.
    expect(text).toMatch(/group_by: \[["']alertname["'], ["']target["']\]/);
    expect(text).toMatch(
      /source_matchers: \['alertname="BackupTargetDown"'\]\n\s+target_matchers: \['alertname=~"BackupFailed[^\n]*\n\s+equal: \[["']target["']\]/,
    );
  });

  it('the check goes red on a broken template (the test can fail)', async () => {
    const dir = tempDir();
    cpSync(EXAMPLE, dir, { recursive: true });
    const template = join(dir, 'templates', 'backup.tmpl');
    writeFileSync(template, `${readFileSync(template, 'utf8')}\n{{ define "broken" }}{{ if }}\n`);
    const result = await amtool(['check-config', join(dir, 'alertmanager.yml')]);
    expect(result.exitCode).not.toBe(0);
  });
});
