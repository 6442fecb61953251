import type { Context, Hono } from 'hono';
import { errorMessage } from '../shared/errors.js';
import { ApiError } from './api-errors.js';
import { readJsonObject } from './json-body.js';
import type { ServeEnv, ServeOptions } from './options.js';
import type { RunRequest, StartRunOutcome } from './start-run.js';

const EXAMPLE = '{"type":"manual"} or {"job":"NAME"}';
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

async function readRunRequest(c: Context<ServeEnv>): Promise<RunRequest> {
  const body = await readJsonObject(c, ['type', 'job'], EXAMPLE);
  const { type, job } = body;
  if ((type === undefined) === (job === undefined)) throw new ApiError('invalid_body', `send ${EXAMPLE}`);
  const name = type ?? job;
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ApiError(
      'invalid_body',
      `${type !== undefined ? 'type' : 'job'} must be a job name like manual or pg`,
    );
  }
  return type !== undefined ? { type: name } : { job: name };
}

/**
 * Starts the run and writes its audit row (with the user of a login), whatever the outcome;
 * shared by the API and the job page's Run now.
 */
export async function startAndAudit(
  c: Context<ServeEnv>,
  options: ServeOptions,
  request: RunRequest,
  via: 'api' | 'page',
): Promise<StartRunOutcome> {
  const { logger } = options;
  const start = options.startRun;
  if (!start)
    throw new ApiError(
      'not_implemented',
      'starting a backup is not available in this server (it reads the centre)',
    );
  const remote = c.get('remote');
  const user = c.get('user');
  const job = 'job' in request ? request.job : request.type;
  let outcome: StartRunOutcome;
  try {
    outcome = await start(request, { remote, ...(user !== undefined ? { user } : {}) });
  } catch (error) {
    outcome = { kind: 'failed', reason: errorMessage(error) };
  }
  const by = `${user ?? 'admin token'} from ${remote}`;
  try {
    await options.audit?.({
      operation: 'backup-start',
      status: outcome.kind === 'started' ? 'success' : 'failure',
      ...(user !== undefined ? { username: user } : {}),
      ...(outcome.kind === 'started' ? { backupId: outcome.backupId } : {}),
      details: { job, via, remote, outcome: outcome.kind },
    });
  } catch (error) {
    logger.warn('Serve', `Could not write the audit row for a started backup: ${errorMessage(error)}`);
  }
  if (outcome.kind === 'unknown_job') throw new ApiError('not_found', `there is no job ${job} on this host`);
  if (outcome.kind === 'running') {
    throw new ApiError(
      'job_running',
      `${job} is running now${outcome.backupId ? ` (${outcome.backupId})` : ''}; try again when it ends`,
    );
  }
  if (outcome.kind === 'failed') {
    logger.error('Serve', `Backup ${job} requested by ${by} did not start: ${outcome.reason}`);
    throw new ApiError('internal_error', 'the backup did not start; the server log has the details');
  }
  logger.info('Serve', `Backup ${outcome.backupId} (${job}) started by ${by}`);
  return outcome;
}

/**
 * Runbook §7.3: `POST /api/v1/backups {"type":"manual"}` starts `backup-alert run` for that
 * job (admin only, checked in app.ts): 202 with the backup ID and `Location` of the run,
 * 409 while that job runs, 404 for a job that does not exist. Audited with the user.
 */
export function backupPostRoutes(app: Hono<ServeEnv>, options: ServeOptions): void {
  app.post('/api/v1/backups', async (c) => {
    if (!options.startRun)
      throw new ApiError(
        'not_implemented',
        'starting a backup is not available in this server (it reads the centre)',
      );
    const request = await readRunRequest(c);
    const job = 'job' in request ? request.job : request.type;
    const { backupId } = (await startAndAudit(c, options, request, 'api')) as { backupId: string };
    const location = `/api/v1/backups/${encodeURIComponent(backupId)}`;
    c.header('Location', location);
    return c.json({ success: true, data: { backupId, job, status: 'running', location } }, 202);
  });
}
