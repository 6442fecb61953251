import { describe, expect, it } from 'vitest';
import { outputEnd } from '../../../src/serve/page/format.js';
import { escapeHtml, html, SafeHtml } from '../../../src/serve/page/html.js';

describe('html', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    const hostile = `<script>alert(1)</script>"' onmouseover=alert(2) &amp;`;
    const out = html`<td title="${hostile}">${hostile}</td>`.text;
    expect(out).toBe(
      '<td title="&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; onmouseover=alert(2) &amp;amp;">&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39; onmouseover=alert(2) &amp;amp;</td>',
    );
  });

  it('inserts SafeHtml (made by html``) as it is, arrays joined, nothing for null/false', () => {
    const items = ['<a>', 'b'].map((x) => html`<li>${x}</li>`);
    expect(html`<ul>${items}${null}${false}${undefined}${0}</ul>`.text).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li>0</ul>',
    );
    expect(html`${new SafeHtml('<b>')}`.text).toBe('<b>');
    expect(escapeHtml('&<>"\'')).toBe('&amp;&lt;&gt;&quot;&#39;');
  });
});

describe('outputEnd', () => {
  it('keeps the last lines, and at most so many characters of them', () => {
    expect(outputEnd('a\nb\nc\nd\n\n', 2, 100)).toBe('c\nd');
    expect(outputEnd('one line', 5, 100)).toBe('one line');
    expect(outputEnd('x'.repeat(50), 5, 10)).toBe(`…${'x'.repeat(10)}`);
  });
});

describe('ages on the page', () => {
  it('shows the two largest units, in each language', async () => {
    const { MESSAGES } = await import('../../../src/serve/page/i18n.js');
    const H = 3_600_000;
    expect([0, 59_000, 61_000, 3 * H, 3 * H + 5 * 60_000, 27 * H, 48 * H].map(MESSAGES.en.duration)).toEqual([
      '0s',
      '59s',
      '1m 1s',
      '3h',
      '3h 5m',
      '1d 3h',
      '2d',
    ]);
    expect(MESSAGES.ja.duration(27 * H + 60_000)).toBe('1日3時間');
    expect(MESSAGES.ja.ago(MESSAGES.ja.duration(5 * 60_000))).toBe('5分前');
  });
});
