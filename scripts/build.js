// Bundles the CLI into dist/ so the published bin starts fast: one file for
// the success path, separate chunks for code only a failure needs.

import { rmSync } from 'node:fs';
import { build } from 'esbuild';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: { cli: 'src/cli.ts' },
  outdir: 'dist',
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
