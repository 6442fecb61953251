import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// Issue 23: a README that fits on a screen; the rest lives in docs/ by topic.
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('README.md', () => {
  it('is at most 300 lines', () => {
    expect(readme.split('\n').length).toBeLessThanOrEqual(300);
  });

  it('says on its first screen that messages are Japanese (the runbook) and how to switch to English', () => {
    const firstScreen = readme.split('\n').slice(0, 24).join('\n');
    expect(firstScreen).toContain('Japanese');
    expect(firstScreen).toContain('BACKUP_ALERT_LANG=en');
  });

  it('keeps the two set-up commands', () => {
    expect(readme).toContain('npm install && npm run demo');
    expect(readme).toContain('npm install && npm test');
  });

  it('says where Node.js 20+ comes from on Debian 12 and Ubuntu 22.04/24.04', () => {
    expect(readme).toMatch(/Debian 12[\s\S]*Ubuntu 22\.04[\s\S]*24\.04[\s\S]*NodeSource/);
  });
});
