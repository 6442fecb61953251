#!/bin/sh
':' //; exec node -- "$0" "$@"
// The two lines above are read by sh (re-run this file with `node --`) and
// ignored by Node (a string, then a comment). `node --` keeps Node 20 from
// acting on our own --env-file flag (it scans the whole argv), and unlike
// `#!/usr/bin/env -S` it works with BusyBox (Alpine) too.
import module from 'node:module';

// Node >= 22.1 caches compiled code between runs (a cron job starts the same code daily).
module.enableCompileCache?.();
const { start } = await import('../dist/main.js');
start();
