import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { slackPayload } from '../../src/notify/slack.js';
import { adaptiveCardPayload } from '../../src/notify/teams.js';
import { sampleAlert } from '../helpers/alert.js';

function systemUrl(value: string) {
  const { config, problems } = loadConfig({ SYSTEM_URL: value }, {}, { cwd: '/', defaultTemplateDir: '/' });
  return { url: config.systemUrl, problems: problems.map((p) => `${p.variable} ${p.message}`) };
}

describe('SYSTEM_URL', () => {
  it.each([
    ['https://192.168.0.187:5050', 'https://192.168.0.187:5050'],
    ['  https://itsm.example.com/  ', 'https://itsm.example.com/'],
    ['HTTPS://Example.COM:443/backups?q=a b#top', 'https://example.com/backups?q=a%20b#top'],
    ['https://e.example/a"><script>x</script>', 'https://e.example/a%22%3E%3Cscript%3Ex%3C/script%3E'],
    ['https://e.example/a|b', 'https://e.example/a%7Cb'],
  ])('%j is normalised to %j', (value, expected) => {
    expect(systemUrl(value)).toEqual({ url: expected, problems: [] });
  });

  it.each([
    [
      'not a url',
      'SYSTEM_URL is not a valid URL (e.g. https://backup.example.com); alerts show no link until it is fixed',
    ],
    [
      'javascript:alert(1)',
      'SYSTEM_URL must be an http:// or https:// URL (got javascript:); alerts show no link until it is fixed',
    ],
  ])('%j is a problem and no link', (value, problem) => {
    expect(systemUrl(value)).toEqual({ url: undefined, problems: [problem] });
  });

  it('cards and Slack links carry the normalised URL: nothing a space, quote or "|" can break', () => {
    const { url } = systemUrl('https://itsm.example.com/a b|c>d');
    const slack = JSON.stringify(slackPayload(sampleAlert(), 'en', url));
    expect(slack).toContain(
      '<https://itsm.example.com/a%20b%7Cc%3Ed|https://itsm.example.com/a%20b%7Cc%3Ed>',
    );
    const card = adaptiveCardPayload(sampleAlert(), 'en', url, '') as {
      attachments: Array<{ content: { actions: Array<{ url: string }> } }>;
    };
    expect(card.attachments[0]!.content.actions[0]!.url).toBe('https://itsm.example.com/a%20b%7Cc%3Ed');
  });
});
