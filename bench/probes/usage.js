// Preloaded with `node --import` when /usr/bin/time is missing: writes this
// process's peak RSS (KiB, as GNU time reports it) and its CPU time (seconds,
// user and system) to $BENCH_USAGE_FILE at exit, in GNU time's "%M %U %S" form.
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_USAGE_FILE;
if (target) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    // maxRSS is already in KiB; CPU times are in microseconds.
    writeFileSync(target, `${usage.maxRSS} ${usage.userCPUTime / 1e6} ${usage.systemCPUTime / 1e6}\n`);
  });
}
