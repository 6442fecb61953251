import { Writable } from 'node:stream';
import { loadConfig } from '../config/config.js';
import { resolveEnv } from '../config/env-source.js';
import { checkJobName, type JobFile, jobSettings, readJobFile } from '../config/job-file.js';
import { jobsDirOf, placesFor } from '../config/paths.js';
import type { CommandContext, Io, MainDeps } from '../context.js';
import { createLogger } from '../shared/logger.js';
import { Redactor } from '../shared/redact.js';
import { Store } from '../store/store.js';
import type { CommandSpec, CommonOptions } from './spec.js';

/** Runs one parsed command: builds its context (settings, logger, output), then its action. */
export function invoke(
  spec: CommandSpec,
  options: Record<string, unknown> & CommonOptions,
  args: string[],
  deps: MainDeps,
): Promise<number> {
  // Only `run` reads a job's file: the other commands take --job as a filter.
  const job = spec.name === 'run' && typeof options['job'] === 'string' ? options['job'] : undefined;
  return spec.action(options, createContext(options, deps, job), args);
}

/** Settings read once (flag > environment > env file), a logger that masks every secret. */
export function createContext(options: CommonOptions, deps: MainDeps, job?: string): CommandContext {
  // From the process environment only: an env file cannot move the place it is read from.
  const places = placesFor(deps.env, deps.uid);
  const resolved = resolveEnv({ processEnv: deps.env, cwd: deps.cwd, envFileFlag: options.envFile, places });
  const { envFile, problems: envFileProblems } = resolved;
  const jobsDir = jobsDirOf(resolved.env, places);
  let jobFile: JobFile | undefined;
  let env = resolved.env;
  if (job !== undefined) {
    checkJobName(job);
    jobFile = readJobFile(jobsDir, job);
    // The job file is the more specific one: it beats the process environment and the main file.
    if (jobFile) env = { ...env, ...jobSettings(jobFile) };
  }
  const { config, problems } = loadConfig(
    env,
    { db: options.db },
    { cwd: deps.cwd, defaultTemplateDir: deps.defaultTemplateDir, envFile, hostname: deps.hostname, places },
  );
  const redactor = new Redactor(config.secrets, config.redactPatterns);
  const logger = createLogger({
    write: deps.stderr,
    level: options.silent ? 'error' : options.verbose ? 'debug' : 'info',
    format: options.logFormat ?? 'text',
    file: config.logFile,
    now: deps.now,
    redactor,
    // Cron mails stderr hours later: each line says when. A terminal is read as it happens,
    // and systemd's journal (JOURNAL_STREAM) stamps every line itself.
    timestamps: !deps.stderrIsTTY && !deps.env['JOURNAL_STREAM'],
  });
  const io: Io = {
    stdout: deps.stdout,
    stderr: deps.stderr,
    stdoutIsTTY: deps.stdoutIsTTY,
    color: deps.stdoutIsTTY && !env['NO_COLOR'] && env['TERM'] !== 'dumb',
    stdoutStream: deps.stdoutStream ?? writableOf(deps.stdout),
    stderrStream: deps.stderrStream ?? writableOf(deps.stderr),
  };
  return {
    config,
    problems: [...envFileProblems, ...(jobFile?.problems ?? []), ...problems],
    env,
    processEnv: deps.env,
    cwd: deps.cwd,
    io,
    logger,
    redactor,
    now: deps.now,
    // BACKUP_ALERT_HOST when set: the one name for this host in runs, alerts, metrics and the fleet.
    hostname: config.host,
    username: deps.username,
    pid: deps.pid,
    signals: deps.signals,
    places,
    openStore: () => Store.open(config.dbPath),
    jobsDir,
    ...(jobFile ? { jobFile } : {}),
  };
}

function writableOf(write: (text: string) => void): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      write(chunk.toString('utf8'));
      callback();
    },
  });
}
