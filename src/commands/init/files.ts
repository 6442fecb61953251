import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// What `init` writes. The env file is examples/.env.example with every setting commented
// out: one source for the documented settings, and a fresh file that alerts nobody by
// accident (the example's addresses are company.com).

/** The package's root (the folder of its package.json): dist/ in the bundle, src/… in tests. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  for (let dir = dirname(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'examples', '.env.example')))
      return dir;
    if (dirname(dir) === dir) throw new Error(`examples/.env.example not found above ${from}`);
  }
}

/** examples/.env.example, every `NAME=value` line turned into `# NAME=value`. */
export function commentedEnvFile(example: string): string {
  return example
    .split('\n')
    .map((line) => (/^[A-Z][A-Z0-9_]*=/.test(line) ? `# ${line}` : line))
    .join('\n');
}

export function envFileText(): string {
  const header = [
    '# Written by `backup-alert init`. Uncomment and fill in at least one alert channel',
    '# (BACKUP_ALERT_EMAIL and SMTP_*, or a webhook), then run `backup-alert doctor`.',
    '',
  ].join('\n');
  return header + commentedEnvFile(readFileSync(join(packageRoot(), 'examples', '.env.example'), 'utf8'));
}

/** jobs/example.env: the keys a job file takes (issue 21's named jobs), all commented. */
export const EXAMPLE_JOB = `# A job: one backup on this host, run by \`backup-alert run --job example\`.
# Copy this file to NAME.env (NAME: a-z, 0-9, ".", "_", "-") for each backup; these keys
# override the main env file for this job only, and a command-line flag overrides them.
# No secrets here: job files are readable by the backup-alert user.

# The script to run (no shell: a path, and its arguments below).
# BACKUP_ALERT_SCRIPT=/opt/backup/backup.sh
# BACKUP_ALERT_ARGS=--full
# Schedule class and suffix of the backup IDs: daily, weekly, monthly or manual.
# BACKUP_ALERT_TYPE=daily
# Kill the script after this long (90s, 15m, 4h, 7d).
# BACKUP_ALERT_TIMEOUT=4h
# The longest time allowed since the last success (status, watch).
# BACKUP_ALERT_MAX_AGE=26h
# What the script must produce; an exit 0 without it is a failure (exit 65).
# BACKUP_ALERT_ARTIFACT=/var/backups/example/*.tar.gz
`;
