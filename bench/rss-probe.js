// Preloaded with `node --import` when /usr/bin/time is missing: writes this
// process's peak RSS (KiB, as GNU time reports it) to $BENCH_RSS_FILE at exit.
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_RSS_FILE;
if (target) {
  process.on('exit', () => {
    // maxRSS is already in KiB.
    writeFileSync(target, `${process.resourceUsage().maxRSS}\n`);
  });
}
