import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// "Settings that work as written": every variable the example names, set or commented,
// is one backup-alert reads. A variable for someone else (the example script's) would sit
// in the file doing nothing, as BACKUP_SOURCE once did.
const sources = readdirSync(join(ROOT, 'src'), { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => readFileSync(join(ROOT, 'src', file), 'utf8'))
  .join('\n');

describe('examples/.env.example', () => {
  const example = readFileSync(join(ROOT, 'examples', '.env.example'), 'utf8');
  const names = [...example.matchAll(/^(?:# )?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!);

  it('names settings (a sanity check on the reading above)', () => {
    expect(names).toContain('BACKUP_ALERT_EMAIL');
    expect(names.length).toBeGreaterThan(30);
  });

  it('names only variables the code reads', () => {
    const dead = names.filter((name) => {
      // NAME_FILE is the secrets convention: read as `${name}_FILE`.
      const base = name.endsWith('_FILE') ? name.slice(0, -5) : name;
      return !new RegExp(`['"\`]${base}['"\`_]`).test(sources);
    });
    expect(dead).toEqual([]);
  });
});
