// Bundles the CLI into dist/ so the published bin starts fast: a tiny entry
// (enough for --version), one "core" chunk for the commands that run every
// day (run's success path, status, history, prune, completion), and separate
// chunks for code only a failure or a test command needs (nodemailer,
// handlebars, webhooks). Measured by `npm run bench` (docs/performance.md).
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const staging = `${root}dist.${process.pid}`;
const retired = `${root}dist.old.${process.pid}`;

/**
 * What cli.ts imports lazily and nearly every invocation needs. esbuild makes a
 * chunk per dynamic import target and per set of importers, which came to ~20
 * small ES modules for one `status`; Node 20 loads ES modules one async read at
 * a time, ~0.5 ms each. So these imports are pointed at one virtual module that
 * holds them all: the sources keep their plain `await import('./run.js')`.
 */
const CORE = ['commander', './config.js', './env-source.js', './logger.js', './store.js'];
const CORE_COMMANDS = ['./run.js', './history.js', './status.js', './prune.js', './completion.js'];
// CommonJS dependencies (nodemailer, handlebars, commander, dotenv) call require() for builtins.
const BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";
const coreName = (spec) => spec.replace(/^\.\//, '').replace(/\.js$/, '').replace(/\W/g, '_');

const coreChunk = {
  name: 'core-chunk',
  setup(build) {
    // cli.ts imports the libraries, cli-commands.ts the command modules.
    const files = [`${root}src/cli.ts`, `${root}src/cli-commands.ts`];
    build.onLoad({ filter: /src\/cli(-commands)?\.ts$/ }, (args) => {
      if (!files.includes(args.path)) return undefined;
      let source = readFileSync(args.path, 'utf8');
      for (const spec of [...CORE, ...CORE_COMMANDS]) {
        // An import written differently is simply left alone: a chunk of its own, as before.
        source = source.replaceAll(
          `import('${spec}')`,
          `import('backup-alert:core').then((core) => core.${coreName(spec)})`,
        );
      }
      return { contents: source, loader: 'ts' };
    });
    build.onResolve({ filter: /^backup-alert:core$/ }, () => ({ path: 'core', namespace: 'backup-alert' }));
    build.onLoad({ filter: /^core$/, namespace: 'backup-alert' }, () => ({
      contents: [...CORE, ...CORE_COMMANDS]
        .map((spec) => `export * as ${coreName(spec)} from '${spec}';`)
        .join('\n'),
      resolveDir: `${root}src`,
      loader: 'ts',
    }));
  },
};

await build({
  entryPoints: { cli: 'src/cli.ts' },
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
