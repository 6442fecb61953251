#!/usr/bin/env -S node --
// `node --` keeps Node 20 from acting on our own --env-file flag (it scans the whole argv).
import { start } from '../dist/cli.js';

start();
