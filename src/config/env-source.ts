import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { errorCode, errorMessage, UsageError } from '../shared/errors.js';
import { lintEnvFile } from './env-file-lint.js';
import type { Places } from './paths.js';
import type { ConfigProblem } from './values.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvSourceOptions {
  processEnv: Env;
  cwd: string;
  /** `--env-file`; wins over BACKUP_ALERT_ENV_FILE. */
  envFileFlag?: string;
  /** System or user places: where the default env file is. Absent: user mode's `./.env`. */
  places?: Places;
}

export interface ResolvedEnv {
  /** Process environment over the env file's values. */
  env: Env;
  /** The env file that was read, if any. */
  envFile?: string;
  /** The file we looked for when none was named and it was absent. */
  envFileMissing?: string;
  /** Lines of the env file that are not settings (dotenv skips them silently). */
  problems: ConfigProblem[];
}

/**
 * The env file read when none is named. Root: /etc/backup-alert/env, never ./.env, so cron,
 * systemd and a root shell in any directory read the same settings. Another user: ./.env
 * when there is one (the runbook's habit), else the XDG config place.
 */
export function defaultEnvFile(cwd: string, places: Places | undefined): string {
  if (places?.mode === 'system') return join(places.configDir, 'env');
  const local = resolve(cwd, '.env');
  if (!places || existsSync(local)) return local;
  return join(places.configDir, 'env');
}

/**
 * Merges the env file under the process environment (process wins). A file named
 * explicitly must exist; the default one may be absent.
 */
export function resolveEnv(options: EnvSourceOptions): ResolvedEnv {
  // An empty BACKUP_ALERT_ENV_FILE= means unset, as for every other variable.
  const named = options.envFileFlag ?? (options.processEnv['BACKUP_ALERT_ENV_FILE'] || undefined);
  const path = named ? resolve(options.cwd, named) : defaultEnvFile(options.cwd, options.places);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (named === undefined && errorCode(error) === 'ENOENT') {
      return { env: options.processEnv, envFileMissing: path, problems: [] };
    }
    const source = options.envFileFlag !== undefined ? '--env-file' : 'BACKUP_ALERT_ENV_FILE';
    throw new UsageError(`Cannot read env file ${path} (${source}): ${errorMessage(error)}`, {
      cause: error,
    });
  }
  const fromFile = parseEnvFile(text);
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [key, value] of Object.entries(options.processEnv)) if (value !== undefined) merged[key] = value;
  return { env: merged, envFile: path, problems: lintEnvFile(path, text) };
}

/**
 * dotenv's parser, loaded only when there is an env file to read: it pulls in node:crypto
 * (for dotenv's encrypted files, which we do not use), a cost every run without a file
 * would pay for nothing.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const { parse } = createRequire(import.meta.url)('dotenv') as typeof import('dotenv');
  return parse(text);
}
