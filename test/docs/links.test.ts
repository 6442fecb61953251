import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// Every relative link and anchor in README.md and docs/*.md resolves, over the files present
// when the test runs: a page another branch adds is checked as soon as it exists. Until then
// the README may link these pages, which other issues are writing.
const WRITTEN_ELSEWHERE = new Set(['docs/development.md', 'docs/jobs.md']);

/** The lines outside ``` fences, with `inline code` blanked (links and headings there are text). */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line.replace(/`[^`]*`/g, (code) => (code.includes('](') ? '' : code));
  });
}

/** GitHub's anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const slug = heading
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

function linksOf(markdown: string): string[] {
  const links: string[] = [];
  for (const line of prose(markdown)) {
    for (const match of line.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) links.push(match[1]!);
  }
  return links;
}

const pages = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

describe('links in README.md and docs/', () => {
  it('reads the anchors GitHub makes', () => {
    expect([...anchorsOf('# A `run` — §7 x\n## Try it: two\n## Try it: two\n```\n# not\n```')]).toEqual([
      'a-run--7-x',
      'try-it-two',
      'try-it-two-1',
    ]);
  });

  for (const page of pages) {
    it(`${page}: every relative link and anchor resolves`, () => {
      const text = readFileSync(join(ROOT, page), 'utf8');
      const broken: string[] = [];
      for (const link of linksOf(text)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
        const [path = '', anchor] = link.split('#');
        const target = path === '' ? join(ROOT, page) : resolve(dirname(join(ROOT, page)), path);
        const name = relative(ROOT, target);
        if (!existsSync(target)) {
          if (!WRITTEN_ELSEWHERE.has(name)) broken.push(`${link} (no ${name})`);
          continue;
        }
        if (anchor && target.endsWith('.md') && !anchorsOf(readFileSync(target, 'utf8')).has(anchor)) {
          broken.push(`${link} (no heading #${anchor} in ${name})`);
        }
      }
      expect(broken).toEqual([]);
    });
  }
});
