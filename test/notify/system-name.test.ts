import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { templateData } from '../../src/notify/email-content.js';
import { plainTextBody } from '../../src/notify/message.js';
import { slackPayload } from '../../src/notify/slack.js';
import { runbookAlert } from '../helpers/alert.js';

function config(env: Record<string, string>) {
  return loadConfig(
    { BACKUP_ALERT_DB: '/tmp/x/backup-alert.db', ...env },
    {},
    { cwd: '/srv', defaultTemplateDir: '/t' },
  );
}

describe('BACKUP_ALERT_SYSTEM_NAME: the footer of every alert', () => {
  it('replaces the runbook footer in the plain text, the HTML data and Slack', () => {
    const { config: c, problems } = config({ BACKUP_ALERT_SYSTEM_NAME: 'Acme <Backups> & Co' });
    expect(problems).toEqual([]);
    expect(plainTextBody(runbookAlert(), 'ja', undefined, undefined, c.systemName)).toMatch(
      /\n---\nAcme <Backups> & Co\n$/,
    );
    expect(templateData(runbookAlert(), c)['footer']).toBe('Acme <Backups> & Co');
    // Slack mrkdwn: the name's <, > and & are text, not a link or an entity.
    expect(JSON.stringify(slackPayload(runbookAlert(), 'ja', undefined, undefined, c.systemName))).toContain(
      'Acme &lt;Backups&gt; &amp; Co',
    );
  });

  it('unset: the runbook footer stays', () => {
    const { config: c } = config({});
    expect(c.systemName).toBeUndefined();
    expect(plainTextBody(runbookAlert(), 'ja', undefined, undefined, c.systemName)).toMatch(
      /\n---\nITSM-Sec Nexus バックアップアラート\n$/,
    );
  });

  it('a name that is not one line is a problem, and the default is used', () => {
    const { config: c, problems } = config({ BACKUP_ALERT_SYSTEM_NAME: 'Acme\nBcc: x@evil' });
    expect(c.systemName).toBeUndefined();
    expect(problems.map((p) => p.variable)).toEqual(['BACKUP_ALERT_SYSTEM_NAME']);
  });
});
