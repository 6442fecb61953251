import { readdirSync } from 'node:fs';
import { parseDuration } from '../shared/duration.js';
import { errorCode } from '../shared/errors.js';
import { isJobName } from '../shared/run-result.js';
import { type JobFile, readJobFile } from './job-file.js';

/**
 * Every job file in the jobs directory (`NAME.env`, NAME a job name), by name. A missing
 * directory is no jobs; files whose name is not a job name are left to `doctor`.
 */
export function listJobFiles(jobsDir: string): JobFile[] {
  let names: string[];
  try {
    names = readdirSync(jobsDir);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
  const files: JobFile[] = [];
  for (const entry of names.sort()) {
    if (!entry.endsWith('.env')) continue;
    const name = entry.slice(0, -'.env'.length);
    if (!isJobName(name)) continue;
    const file = readJobFile(jobsDir, name);
    if (file) files.push(file);
  }
  return files;
}

/** Names in the jobs directory ending in .env that are not job names (doctor says why they are ignored). */
export function strayJobFiles(jobsDir: string): string[] {
  try {
    return readdirSync(jobsDir)
      .filter((entry) => entry.endsWith('.env') && !isJobName(entry.slice(0, -'.env'.length)))
      .sort();
  } catch {
    return [];
  }
}

/** A job file's promise (BACKUP_ALERT_MAX_AGE), or undefined when it makes none (or an unusable one). */
export function promiseOf(file: JobFile): number | undefined {
  const text = file.values['BACKUP_ALERT_MAX_AGE']?.trim();
  if (!text) return undefined;
  const ms = parseDuration(text);
  return ms !== undefined && ms > 0 ? ms : undefined;
}

/** BACKUP_ALERT_EXPECT with every job file's promise over it (the file is the more specific). */
export function expectationsWithJobs(
  expect: Readonly<Record<string, number>>,
  files: readonly JobFile[],
): Record<string, number> {
  const result: Record<string, number> = { ...expect };
  for (const file of files) {
    const ms = promiseOf(file);
    if (ms !== undefined) result[file.name] = ms;
  }
  return result;
}
