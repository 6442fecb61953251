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
