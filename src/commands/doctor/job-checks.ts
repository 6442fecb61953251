import { accessSync, constants, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { type JobFile, secretReadableByOthers } from '../../config/job-file.js';
import { listJobFiles, promiseOf, strayJobFiles } from '../../config/jobs-dir.js';
import { parseSize } from '../../shared/bytes.js';
import { formatDuration, parseDuration } from '../../shared/duration.js';
import { errorMessage } from '../../shared/errors.js';
import { isBackupType } from '../../shared/run-result.js';
import type { Check } from './checks.js';

const DURATIONS = [
  'BACKUP_ALERT_TIMEOUT',
  'BACKUP_ALERT_KILL_AFTER',
  'BACKUP_ALERT_WARN_AFTER',
  'BACKUP_ALERT_MAX_AGE',
  'BACKUP_ALERT_MIN_DURATION',
] as const;

/**
 * Every job file (borgmatic's `config validate`): its mode, its keys, its type, its script
 * and its values, each problem naming the file and the line. One check per job.
 */
export function checkJobFiles(
  jobsDir: string,
  cwd: string,
  defaultScript: string | undefined,
  expect: Readonly<Record<string, number>> = {},
): Check[] {
  let files: JobFile[];
  try {
    files = listJobFiles(jobsDir);
  } catch (error) {
    return [
      {
        id: 'jobs',
        status: 'fail',
        title: 'Job files',
        detail: `cannot read ${jobsDir}: ${errorMessage(error)}`,
        remedy: 'make the jobs directory readable by the user that runs the backups',
      },
    ];
  }
  const stray = strayJobFiles(jobsDir).map(
    (name): Check => ({
      id: 'jobs',
      status: 'warn',
      title: `Job file ${name}`,
      detail: `${jobsDir}/${name} is ignored: its name is not a job name`,
      remedy: 'rename it to NAME.env with NAME of a-z, 0-9, ".", "_", "-" (starting with a letter or digit)',
    }),
  );
  if (files.length === 0 && stray.length === 0) {
    return [{ id: 'jobs', status: 'skip', title: 'Job files', detail: `none in ${jobsDir}`, remedy: null }];
  }
  return [...files.map((file) => checkJobFile(file, cwd, defaultScript, expect)), ...stray];
}

function checkJobFile(
  file: JobFile,
  cwd: string,
  defaultScript: string | undefined,
  expect: Readonly<Record<string, number>>,
): Check {
  // A file with every line commented (as `init` writes the example) is not set up yet, not broken.
  if (Object.keys(file.values).length === 0 && file.problems.length === 0) {
    return {
      id: 'jobs',
      status: 'warn',
      title: `Job ${file.name}`,
      detail: `${file.path} sets nothing yet (every line is a comment)`,
      remedy: `set BACKUP_ALERT_SCRIPT and BACKUP_ALERT_TYPE in ${file.path}, or remove it`,
    };
  }
  const problems: string[] = file.problems.map((p) => p.message);
  const at = (key: string) => `${file.path}:${file.lines[key] ?? '?'}`;
  const secret = secretReadableByOthers(file);
  if (secret)
    problems.push(`${at(secret)}: holds ${secret} but is readable by others (chmod 600 ${file.path})`);
  const type = file.values['BACKUP_ALERT_TYPE']?.trim();
  if (type !== undefined && !isBackupType(type))
    problems.push(
      `${at('BACKUP_ALERT_TYPE')}: BACKUP_ALERT_TYPE "${type}" is not daily, weekly, monthly or manual`,
    );
  if (type === undefined && !isBackupType(file.name))
    problems.push(`${file.path}: no BACKUP_ALERT_TYPE (run --job ${file.name} would need --type)`);
  for (const key of DURATIONS) {
    const value = file.values[key]?.trim();
    if (value && !((parseDuration(value) ?? 0) > 0))
      problems.push(`${at(key)}: ${key} "${value}" is not a duration (90s, 15m, 4h, 7d)`);
  }
  const minSize = file.values['BACKUP_ALERT_MIN_SIZE']?.trim();
  if (minSize && parseSize(minSize) === undefined)
    problems.push(
      `${at('BACKUP_ALERT_MIN_SIZE')}: BACKUP_ALERT_MIN_SIZE "${minSize}" is not a size (512K, 10M)`,
    );
  const onSuspect = file.values['BACKUP_ALERT_ON_SUSPECT']?.trim();
  if (onSuspect && onSuspect !== 'warn' && onSuspect !== 'fail')
    problems.push(`${at('BACKUP_ALERT_ON_SUSPECT')}: BACKUP_ALERT_ON_SUSPECT must be warn or fail`);
  const script = file.values['BACKUP_ALERT_SCRIPT']?.trim() || defaultScript;
  const scriptProblem = script
    ? checkScriptFile(isAbsolute(script) ? script : resolve(cwd, script))
    : 'no script';
  if (scriptProblem) {
    const where = file.values['BACKUP_ALERT_SCRIPT'] ? at('BACKUP_ALERT_SCRIPT') : file.path;
    problems.push(`${where}: ${scriptProblem === 'no script' ? 'no BACKUP_ALERT_SCRIPT' : scriptProblem}`);
  }
  if (problems.length > 0)
    return {
      id: 'jobs',
      status: 'fail',
      title: `Job ${file.name}`,
      detail: problems.join('; '),
      remedy: `fix ${file.path} (see docs/jobs.md)`,
    };
  return describeGoodJob(file, type ?? file.name, script ?? '', expect);
}

/** A promise with a margin over the type's period, suggested to a job that makes none. */
const SUGGESTED_PROMISE: Readonly<Record<string, string>> = { daily: '26h', weekly: '8d', monthly: '32d' };

/**
 * A sound job's line says what it runs and what it promises: a job without a promise
 * (BACKUP_ALERT_MAX_AGE in its file, or its name in BACKUP_ALERT_EXPECT) that stops being
 * run by cron is seen by nobody, so that is a warning with the line to add.
 */
function describeGoodJob(
  file: JobFile,
  type: string,
  script: string,
  expect: Readonly<Record<string, number>>,
): Check {
  const promiseMs = promiseOf(file) ?? expect[file.name];
  const runs = `${type}, ${script}`;
  if (promiseMs === undefined && type !== 'manual')
    return {
      id: 'jobs',
      status: 'warn',
      title: `Job ${file.name}`,
      detail: `${file.path}: ${runs}; promises nothing, so status cannot tell when it stops running`,
      remedy: `add BACKUP_ALERT_MAX_AGE=${SUGGESTED_PROMISE[type] ?? '26h'} (the longest time allowed between successes) to ${file.path}`,
    };
  const promise = promiseMs === undefined ? '' : `; a success at least every ${formatDuration(promiseMs)}`;
  return {
    id: 'jobs',
    status: 'ok',
    title: `Job ${file.name}`,
    detail: `${file.path}: ${runs}${promise}`,
    remedy: null,
  };
}

function checkScriptFile(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return `script ${path} is not a file`;
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `script ${path} does not exist`;
    if (code === 'EACCES') return `script ${path} is not executable (chmod +x)`;
    return `script ${path}: ${errorMessage(error)}`;
  }
}
