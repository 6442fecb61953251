// Bundles the CLI into dist/ so the published bin starts fast: one file for
// the success path, separate chunks for code only a failure needs.
import { renameSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const staging = `${root}dist.${process.pid}`;
const retired = `${root}dist.old.${process.pid}`;

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
  // CommonJS dependencies (nodemailer, handlebars) call require() for builtins.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// Swap in whole so a test spawning the CLI meanwhile never sees half a build.
try {
  renameSync(`${root}dist`, retired);
} catch {
  // first build
}
renameSync(staging, `${root}dist`);
rmSync(retired, { recursive: true, force: true });
