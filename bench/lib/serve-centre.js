// `node bench/lib/serve-centre.js [--full]` (as the README has it): serve over the centre is
// measured by the fleet section, on its 1,000-host centre (bench/lib/fleet.js); this runs that
// section alone: the same as `npm run bench -- --only fleet [--full]`, against the dist/ built last.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const run = fileURLToPath(new URL('../run.js', import.meta.url));
spawn(process.execPath, [run, '--only', 'fleet', ...process.argv.slice(2)], { stdio: 'inherit' }).on(
  'exit',
  (code) => process.exit(code ?? 1),
);
