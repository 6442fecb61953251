#!/bin/sh
':' //; exec node -- "$0" "$@"
// The two lines above are read by sh (re-run this file with `node --`) and
// ignored by Node (a string, then a comment). `node --` keeps Node 20 from
// acting on our own --env-file flag (it scans the whole argv), and unlike
// `#!/usr/bin/env -S` it works with BusyBox (Alpine) too.
//
// A CommonJS file (bin/package.json): an ES module costs Node its ESM loader before the
// first line runs, which is most of what `--version` took. The CLI itself is the bundled
// ES module in dist/, imported for every other command.
'use strict';

const argv = process.argv;
if (argv.length === 3 && (argv[2] === '--version' || argv[2] === '-V')) {
  // What package managers and wrappers call: answered without loading anything.
  // A plain write: process.stdout would build a stream (and load net or tty) for one line.
  require('node:fs').writeSync(1, `${require('../package.json').version}\n`);
} else {
  // Node >= 22.1 caches compiled code between runs (a cron job starts the same code daily).
  require('node:module').enableCompileCache?.();
  import('../dist/main.js').then(({ start }) => start());
}
