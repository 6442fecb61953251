// What each path loads: one untimed run per path with a module hook that logs
// every ES module loaded (probes/modules.js), mapped through dist's source maps
// to the packages and source folders bundled into each chunk. Shows that e-mail
// code (nodemailer, handlebars) loads only when e-mail is used (issue 15), pg only
// with a centre, hono only for serve.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './context.js';
import { emailEnv } from './email.js';
import { startSmtpSink } from './servers.js';

const PROBE = fileURLToPath(new URL('../probes/modules.js', import.meta.url));
const DIST = join(ROOT, 'dist');
export const EMAIL_PACKAGES = ['nodemailer', 'handlebars'];
/** The packages worth naming in the table (the rest are their small dependencies; all are in results.json). */
const NOTABLE = [
  'commander',
  'dotenv',
  'execa',
  'nodemailer',
  'handlebars',
  'pg',
  'hono',
  '@hono/node-server',
];

/** `../node_modules/@scope/pkg/x.js` → `@scope/pkg`; `../src/notify/x.ts` → `src/notify`. */
function origin(source) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(source);
  if (pkg) return { pkg: pkg[1] };
  const own = /(?:^|\/)src\/([^/]+)\//.exec(source);
  return own ? { folder: `src/${own[1]}` } : {};
}

/** Packages and source folders in the dist files `urls` (via their source maps). */
function contents(urls) {
  const packages = new Set();
  const folders = new Set();
  let files = 0;
  for (const url of urls) {
    if (!url.startsWith('file:')) continue;
    const path = fileURLToPath(url);
    if (!path.startsWith(DIST)) {
      const { pkg } = origin(path);
      if (pkg) packages.add(pkg);
      continue;
    }
    files++;
    if (!existsSync(`${path}.map`)) continue;
    for (const source of JSON.parse(readFileSync(`${path}.map`, 'utf8')).sources ?? []) {
      const { pkg, folder } = origin(source);
      if (pkg) packages.add(pkg);
      if (folder) folders.add(folder);
    }
  }
  return { files, packages: [...packages].sort(), folders: [...folders].sort() };
}

/**
 * Runs the CLI once with the module hook and returns what it loaded. Modules
 * loaded with require() (better-sqlite3, a native addon) do not pass the ES hook.
 */
export async function loadedBy(b, args, { extraEnv = {}, expect = [0] } = {}) {
  const file = join(b.tmp, `modules.${Math.random().toString(36).slice(2)}`);
  const result = await b.cli(args, {
    extraEnv: { ...extraEnv, BENCH_MODULES_FILE: file, NODE_OPTIONS: `--import=${PROBE}` },
  });
  if (!expect.includes(result.code)) {
    throw new Error(`module probe of "${args.join(' ')}": exit ${result.code}\n${result.stderr}`);
  }
  const urls = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  rmSync(file, { force: true });
  return contents(urls);
}

async function run(b) {
  const smtp = await startSmtpSink();
  const stop = b.onCleanup(() => smtp.close());
  const db = (name) => b.dbPath(`loads-${name}`);
  const exit = (name, code) => [
    'run',
    '--type',
    'daily',
    '--script',
    b.scripts['exit.sh'],
    '--db',
    db(name),
    '--',
    String(code),
  ];
  const mail = { extraEnv: emailEnv(smtp.port) };
  const paths = [
    ['--version', ['--version']],
    ['run, success, no channel', exit('ok', 0)],
    ['run, failure, no channel', exit('fail', 1), { expect: [1] }],
    ['run, success, e-mail configured', exit('mail-ok', 0), mail],
    ['run, failure, e-mail configured', exit('mail-fail', 1), { ...mail, expect: [1] }],
    [
      'status --type daily --json',
      ['status', '--type', 'daily', '--json', '--db', db('ok')],
      { expect: [0, 1] },
    ],
    ['history --limit 20', ['history', '--limit', '20', '--db', db('ok')]],
  ];
  const out = {};
  try {
    for (const [name, args, options] of paths) {
      // Twice: the first run of a database also migrates it; the second is the everyday path.
      await loadedBy(b, args, options);
      out[name] = await loadedBy(b, args, options);
    }
  } finally {
    stop();
  }
  return out;
}

function targets(loads) {
  const failure = loads['run, failure, no channel'];
  const email = failure.packages.filter((pkg) => EMAIL_PACKAGES.includes(pkg));
  return [
    {
      issue: '15',
      figure: 'failure path, no e-mail configured: e-mail code loaded',
      median: email.length ? email.join(', ') : 'none',
      range: `${failure.files} dist files`,
      baseline: '—',
      ratio: '—',
      target: '+0: no nodemailer, no handlebars',
      met: email.length === 0 ? 'yes' : 'NO',
    },
  ];
}

function tables(loads) {
  return [
    {
      title:
        'What each path loads (ES modules seen by a load hook, mapped through dist/*.map; second run of each)',
      columns: [
        ['path', 'path'],
        ['files', 'dist files'],
        ['packages', 'packages bundled in them'],
      ],
      rows: Object.entries(loads).map(([path, l]) => {
        const named = NOTABLE.filter((pkg) => l.packages.includes(pkg));
        const others = l.packages.length - named.length;
        return {
          path,
          files: String(l.files),
          packages: `${named.join(', ') || '—'}${others ? ` (+${others} small)` : ''}`,
        };
      }),
    },
  ];
}

export const loads = { id: 'loads', title: 'what each path loads', run, targets, tables };
