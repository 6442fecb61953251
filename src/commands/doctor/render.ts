import kleur from 'kleur';
import type { Check } from './checks.js';

const MARK = { ok: '✔', fail: '✖', warn: '!', skip: '–' } as const;

/** The checklist as people read it: one ✔/✖/!/– line per item, the remedy under each ✖ or !. */
export function renderChecks(checks: readonly Check[], color: boolean): string {
  const paint = {
    ok: color ? kleur.green : (s: string) => s,
    fail: color ? kleur.red : (s: string) => s,
    warn: color ? kleur.yellow : (s: string) => s,
    skip: color ? kleur.gray : (s: string) => s,
  };
  const width = Math.max(...checks.map((c) => c.title.length));
  const lines = ['backup-alert doctor (runbook OP-BKP-ALT-001 §12.1)', ''];
  for (const check of checks) {
    lines.push(`${paint[check.status](MARK[check.status])} ${check.title.padEnd(width)}  ${check.detail}`);
    if (check.remedy && (check.status === 'fail' || check.status === 'warn')) {
      lines.push(`  ${' '.repeat(width)}  → ${check.remedy}`);
    }
  }
  const count = (status: Check['status']) => checks.filter((c) => c.status === status).length;
  lines.push(
    '',
    `${count('ok')} ok, ${count('warn')} warning(s), ${count('fail')} failed, ${count('skip')} skipped`,
  );
  if (count('fail') > 0) lines.push('Fix the ✖ lines above, then run backup-alert doctor again.');
  return `${lines.join('\n')}\n`;
}
