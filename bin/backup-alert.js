#!/usr/bin/env -S node --
// `node --` keeps Node 20 from acting on our own --env-file flag (it scans the whole argv).
import module from 'node:module';

// Node >= 22.1 caches compiled code between runs (a cron job starts the same code daily).
module.enableCompileCache?.();
const { start } = await import('../dist/cli.js');
start();
