// Preloaded with `node --import` by the bench's "what each path loads" section:
// registers a load hook (module-hooks.js) that appends the URL of every ES
// module the process loads to $BENCH_MODULES_FILE. Not used for timing.
import { register } from 'node:module';

const file = process.env.BENCH_MODULES_FILE;
if (file) register(new URL('./module-hooks.js', import.meta.url), { data: { file } });
