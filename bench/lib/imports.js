// The per-import cost table issue 15 asks docs/performance.md to keep current:
// each dependency (and the built-ins that cost something) imported alone into a
// fresh Node, against the same Node importing nothing, interleaved. A package
// imported alone reads its own files from node_modules; bundled into dist it is
// one chunk among others, so this is the order of its cost, not its exact share.
import { createServer } from 'node:net';
import { fmtMs, range, signed } from './figures.js';
import { interleave } from './measure.js';

const PACKAGES = [
  'commander',
  'dotenv',
  'execa',
  'better-sqlite3',
  'nodemailer',
  'handlebars',
  'pg',
  'hono',
  '@hono/node-server',
  'string-width',
  'kleur',
];
const BUILTINS = ['node:crypto', 'node:http', 'node:net', 'node:child_process'];
const BASE = 'ESM, imports nothing';

/** A loopback port nothing listens on: fetch() to it fails at once, after loading undici. */
function closedPort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function run(b) {
  const esm = (code) => () => b.node(['--input-type=module', '-e', code]);
  // Resolved here, so the fresh Node needs no node_modules of its own (its cwd is the temp dir).
  const cases = [{ name: BASE, run: esm('0') }];
  for (const pkg of PACKAGES) {
    cases.push({ name: pkg, run: esm(`await import(${JSON.stringify(import.meta.resolve(pkg))})`) });
  }
  for (const builtin of BUILTINS) cases.push({ name: builtin, run: esm(`await import('${builtin}')`) });
  const port = await closedPort();
  cases.push({
    name: 'fetch() (undici, first call)',
    run: esm(`await fetch('http://127.0.0.1:${port}/').catch(() => {})`),
  });
  return interleave(cases, { runs: b.full ? 21 : 9, warmup: 2 });
}

function tables(result) {
  const base = result[BASE];
  return [
    {
      title: `Import cost (each alone into a fresh Node, ESM; against "${BASE}", ${fmtMs(base.median)})`,
      columns: [
        ['module', 'import'],
        ['median', 'median'],
        ['range', 'min–max'],
        ['cost', 'cost'],
      ],
      rows: Object.entries(result)
        .filter(([name]) => name !== BASE)
        .map(([name, s]) => ({
          module: name,
          median: fmtMs(s.median),
          range: range(s),
          cost: signed(s.median - base.median),
        })),
    },
  ];
}

export const imports = { id: 'imports', title: 'what importing each dependency costs', run, tables };
