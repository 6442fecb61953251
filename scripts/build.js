// Bundles the CLI into dist/ so the published bin starts fast:
// - main.js: the entry, enough for --version (nothing else is loaded for it);
// - core: the commands that run every day (run, status, history, prune, completion), one chunk;
// - rest: every other command and what only they or a failure need (doctor, serve, the
//   fleet, the routing commands, alert delivery…), one chunk, loaded when first needed;
// - the end-of-run ship to the centre on its own (OWN_CHUNK_TARGETS);
// - one chunk per heavy library, loaded where it is used (execa when a script is spawned,
//   nodemailer/handlebars when a mail is sent, hono by serve, pg by the fleet,
//   string-width for a table of non-ASCII text).
// esbuild makes a chunk per dynamic import target and per set of importers; our own lazy
// imports (`await import('../commands/doctor/doctor.js')`, which keep the sources honest
// about what a command needs) came to ~25 small chunks that core imported up front, and
// Node 20 loads ES modules one async read at a time. So in the bundle a lazy import of a
// core module becomes a static one, and one of any other module of ours points at the one
// `rest` module; only the libraries stay lazy on their own. Measured by `npm run bench`.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const staging = `${root}dist.${process.pid}`;
const retired = `${root}dist.old.${process.pid}`;
const MAIN = `${root}src/main.ts`;
// CommonJS dependencies (nodemailer, handlebars, commander) call require() for builtins.
const BANNER =
  "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/** Our modules that the daily commands import lazily: in the bundle they are part of core. */
const CORE_TARGETS = new Set(
  [
    'src/run/run-command.ts',
    'src/commands/history.ts',
    'src/commands/status.ts',
    'src/commands/prune.ts',
    'src/cli/completion.ts',
    'src/alert/heartbeat.ts',
    'src/metrics/publish.ts',
    'src/run/artifact/verdict.ts',
  ].map((path) => `${root}${path}`),
);
/**
 * Our modules that stay lazy in a chunk of their own: the end-of-run ship to the centre runs
 * after most runs of a fleet host and needs nothing of the `rest` chunk (~240 KB, 10-20 ms
 * to compile). Only for code that shares little with core: a lazy chunk importing core's
 * modules makes esbuild cut core into shared chunks, and every command then loads more
 * files (`run --artifact`'s checks as their own chunk took `status` from 6 files to 9).
 */
const OWN_CHUNK_TARGETS = new Set(['src/fleet/sync.ts'].map((path) => `${root}${path}`));
// Not after `typeof `: `typeof import('./x.js')` is a type, erased by esbuild, never a load.
const LAZY_IMPORT = /(?<!\btypeof\s+)\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)/g;
const targetOf = (file, spec) => resolve(dirname(file), spec).replace(/\.js$/, '.ts');
const restName = (path) => `m_${path.slice(root.length).replace(/\W/g, '_')}`;
/**
 * Every other lazily imported module of ours, gathered into the one `rest` chunk. Found by
 * reading the sources before the build: the virtual module must be complete whenever
 * esbuild happens to load it.
 */
const restTargets = new Map();
for (const file of readdirSync(`${root}src`, { recursive: true })) {
  const path = `${root}src/${file}`;
  if (!path.endsWith('.ts') || path === MAIN) continue;
  for (const [, , spec] of readFileSync(path, 'utf8').matchAll(LAZY_IMPORT)) {
    const target = targetOf(path, spec);
    if (!CORE_TARGETS.has(target) && !OWN_CHUNK_TARGETS.has(target))
      restTargets.set(restName(target), target);
  }
}

/**
 * In our sources (but main.ts, whose lazy imports are the line between --version and
 * everything else), `import('./relative.js')` → a static import for a core module, or the
 * module's namespace out of the `rest` chunk for any other.
 */
const ownLazyImports = {
  name: 'own-lazy-imports',
  setup(build) {
    build.onLoad({ filter: /\/src\/.*\.ts$/ }, (args) => {
      if (args.path === MAIN) return undefined;
      const original = readFileSync(args.path, 'utf8');
      let source = original;
      const statics = [];
      source = source.replace(LAZY_IMPORT, (call, _quote, spec) => {
        const target = targetOf(args.path, spec);
        if (OWN_CHUNK_TARGETS.has(target)) return call;
        if (CORE_TARGETS.has(target)) {
          const name = `__core_${statics.length}`;
          statics.push(`import * as ${name} from '${spec}';`);
          return `Promise.resolve(${name})`;
        }
        return `import('backup-alert:rest').then((rest) => rest.${restName(target)})`;
      });
      if (source === original) return undefined;
      return { contents: `${statics.join('\n')}\n${source}`, loader: 'ts' };
    });
    build.onResolve({ filter: /^backup-alert:rest$/ }, () => ({ path: 'rest', namespace: 'backup-alert' }));
    build.onLoad({ filter: /^rest$/, namespace: 'backup-alert' }, () => ({
      contents: [...restTargets].map(([name, path]) => `export * as ${name} from '${path}';`).join('\n'),
      resolveDir: `${root}src`,
      loader: 'ts',
    }));
  },
};

/**
 * main.ts imports commander, the program and the context builder lazily (that is what keeps
 * --version fast). Pointed at one virtual module, they make one core chunk, not three.
 */
const CORE = {
  commander: 'commander',
  program: `${root}src/cli/program.ts`,
  invoke: `${root}src/cli/invoke.ts`,
};
const oneCoreChunk = {
  name: 'one-core-chunk',
  setup(build) {
    build.onLoad({ filter: /\/src\/main\.ts$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8')
        .replace("import('commander')", "import('backup-alert:core').then((core) => core.commander)")
        .replace("import('./cli/program.js')", "import('backup-alert:core').then((core) => core.program)")
        .replace("import('./cli/invoke.js')", "import('backup-alert:core').then((core) => core.invoke)");
      return { contents: source, loader: 'ts' };
    });
    build.onResolve({ filter: /^backup-alert:core$/ }, () => ({ path: 'core', namespace: 'backup-alert' }));
    build.onLoad({ filter: /^core$/, namespace: 'backup-alert' }, () => ({
      contents: Object.entries(CORE)
        .map(([name, spec]) => `export * as ${name} from '${spec}';`)
        .join('\n'),
      resolveDir: `${root}src`,
      loader: 'ts',
    }));
  },
};

await build({
  entryPoints: { main: MAIN },
  outdir: staging,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Source maps were 3.6 of the package's 5.6 MB: only on request (`node scripts/build.js --sourcemap`).
  sourcemap: process.argv.includes('--sourcemap') ? 'linked' : false,
  // Native addon: must stay a real package on disk. dotenv is required lazily from node_modules.
  external: ['better-sqlite3'],
  banner: { js: BANNER },
  plugins: [oneCoreChunk, ownLazyImports],
  logLevel: 'warning',
});
// esbuild cannot put a banner on some chunks only. Chunks of our own code never call
// require(); dropping the banner there spares --version loading node:module for nothing.
// The line stays (empty) so source maps (--sourcemap) still line up.
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

// backup-alert(1), from the same command table as --help and completion (src/cli/man-page.ts).
// Bundled to a throwaway module (libraries stay in node_modules) and run once.
const manModule = `${root}man-page.${process.pid}.mjs`;
await build({
  stdin: {
    contents: [
      "import { COMMANDS } from './src/cli/commands.ts';",
      "import { renderManPage } from './src/cli/man-page.ts';",
      "import { VERSION } from './src/shared/version.ts';",
      'export const page = renderManPage(COMMANDS, VERSION);',
    ].join('\n'),
    resolveDir: root,
    loader: 'ts',
  },
  outfile: manModule,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
try {
  const { page } = await import(manModule);
  mkdirSync(`${root}man`, { recursive: true });
  writeFileSync(`${root}man/backup-alert.1.${process.pid}`, page);
  renameSync(`${root}man/backup-alert.1.${process.pid}`, `${root}man/backup-alert.1`);
} finally {
  rmSync(manModule, { force: true });
}
