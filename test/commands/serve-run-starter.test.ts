import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createRunStarter } from '../../src/commands/serve-run-starter.js';
import { Store } from '../../src/store/store.js';
import { commandContext } from '../helpers/context.js';
import { tempDir } from '../helpers/tmp.js';

describe("serve's run starter: an environment too large for exec (E2BIG)", () => {
  it('answers failed at once, naming the variable and never its value; nothing is started', async () => {
    const dir = tempDir();
    const db = join(dir, 'state', 'backup-alert.db');
    const value = 'never-shown-'.repeat(20_000);
    const { ctx } = commandContext({ BACKUP_ALERT_DB: db, HUGE_SETTING: value }, { cwd: dir });
    const store = Store.open(db);
    onTestFinished(() => store.close());
    const start = createRunStarter({ store, ctx });
    const outcome = await start({ type: 'manual' }, { remote: '127.0.0.1' });
    expect(outcome).toMatchObject({ kind: 'failed' });
    const reason = outcome.kind === 'failed' ? outcome.reason : '';
    expect(reason).toMatch(
      /^cannot start the run: the environment variable HUGE_SETTING \([\d,]+ bytes\) is too large/,
    );
    expect(reason).toContain('(E2BIG)');
    expect(reason).not.toContain('never-shown-');
    expect(store.runs.lastRowId()).toBe(0);
  });
});
