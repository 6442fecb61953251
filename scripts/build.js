// Bundles the CLI into dist/ so the published bin starts fast: a tiny entry
// (enough for --version), one "core" chunk for the commands that run every
// day (run's success path, status, history, prune, completion), and separate
// chunks for code only a failure or a test command needs (nodemailer,
// handlebars, webhooks). Measured by `npm run bench` (docs/performance.md).
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const staging = `${root}dist.${process.pid}`;
const retired = `${root}dist.old.${process.pid}`;

/**
 * What the entry and the command table import lazily and nearly every invocation
 * needs. esbuild makes a chunk per dynamic import target and per set of importers,
 * which came to ~20 small ES modules for one `status`; Node 20 loads ES modules one
 * async read at a time, ~0.5 ms each. So these imports are pointed at one virtual
 * module that holds them all: the sources keep their plain `await import('…')`.
 * Listed by path from the repository root (or a package name).
 */
const CORE = [
  'commander',
  'src/cli/program.ts',
  'src/cli/invoke.ts',
  'src/run/run-command.ts',
  'src/commands/history.ts',
  'src/commands/status.ts',
  'src/commands/prune.ts',
  'src/cli/completion.ts',
];
/** The files whose lazy imports are redirected: the entry and the command table. */
const IMPORTERS = [`${root}src/main.ts`, `${root}src/cli/commands.ts`];
// CommonJS dependencies (nodemailer, handlebars, commander, dotenv) call require() for builtins.
const BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
const coreName = (spec) =>
  spec
    .replace(/^src\//, '')
    .replace(/\.ts$/, '')
    .replace(/\W/g, '_');

/** `import('./x.js')` in `file` → the CORE entry it names, if any. */
function coreEntryOf(file, spec) {
  if (!spec.startsWith('.')) return CORE.includes(spec) ? spec : undefined;
  const path = relative(root, resolve(dirname(file), spec)).replace(/\.js$/, '.ts');
  return CORE.includes(path) ? path : undefined;
}

const coreChunk = {
  name: 'core-chunk',
  setup(build) {
    build.onLoad({ filter: /src\/(main|cli\/commands)\.ts$/ }, (args) => {
      if (!IMPORTERS.includes(args.path)) return undefined;
      const source = readFileSync(args.path, 'utf8').replace(/import\('([^']+)'\)/g, (call, spec) => {
        const entry = coreEntryOf(args.path, spec);
        // An import not in CORE is left alone: a chunk of its own.
        return entry ? `import('backup-alert:core').then((core) => core.${coreName(entry)})` : call;
      });
      return { contents: source, loader: 'ts' };
    });
    build.onResolve({ filter: /^backup-alert:core$/ }, () => ({ path: 'core', namespace: 'backup-alert' }));
    build.onLoad({ filter: /^core$/, namespace: 'backup-alert' }, () => ({
      contents: CORE.map(
        (entry) =>
          `export * as ${coreName(entry)} from '${entry.startsWith('src/') ? `${root}${entry}` : entry}';`,
      ).join('\n'),
      resolveDir: `${root}src`,
      loader: 'ts',
    }));
  },
};

await build({
  entryPoints: { main: 'src/main.ts' },
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Native addon: must stay a real package on disk.
  external: ['better-sqlite3'],
  banner: { js: BANNER },
  plugins: [coreChunk],
  logLevel: 'warning',
});
// esbuild cannot put a banner on some chunks only. Chunks of our own code never call
// require(); dropping the banner there spares --version and status loading node:module
// for nothing. The line stays (empty) so the source maps still line up.
for (const file of readdirSync(staging)) {
  if (!file.endsWith('.js')) continue;
  const path = `${staging}/${file}`;
  const code = readFileSync(path, 'utf8');
  if (code.startsWith(BANNER) && !/\brequire\b/.test(code.slice(BANNER.length))) {
    writeFileSync(path, code.slice(BANNER.length));
  }
}
// Swap in whole so a test spawning the CLI meanwhile never sees half a build.
try {
  renameSync(`${root}dist`, retired);
} catch {
  // first build
}
renameSync(staging, `${root}dist`);
rmSync(retired, { recursive: true, force: true });
