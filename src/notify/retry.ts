import { setTimeout as sleep } from 'node:timers/promises';
import { DeliveryError } from './types.js';

/**
 * A transient failure of one attempt: worth trying again after `waitMs`
 * (default: the backoff). A permanent failure is thrown as a DeliveryError instead.
 */
export interface TransientFailure {
  retry: string;
  waitMs?: number;
  code?: string;
  cause?: unknown;
}

export type AttemptResult<T> = { done: T } | TransientFailure;

export interface RetryPolicy {
  /** Tries in total, the first one included. */
  maxAttempts: number;
  /** First backoff delay; doubled after each try. */
  firstDelayMs: number;
  /** The delivery's bound: when it fires, no more waiting and no more tries. */
  signal: AbortSignal;
  /** Time left in the bound; with minAttemptMs, a try that could not finish is not started. */
  remainingMs?: () => number;
  minAttemptMs?: number;
  /** Told before each wait (for a log line). */
  onRetry?: (failure: TransientFailure, attempt: number, waitMs: number) => void;
}

/**
 * The one retry loop of every channel (SMTP and HTTP alike): backoff doubling from
 * `firstDelayMs`, a server-given wait (Retry-After) honoured, every wait cut short
 * by the signal. Resolves with the value and the number of tries; rejects with a
 * DeliveryError whose `attempts` says how many tries were made.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<AttemptResult<T>>,
): Promise<{ value: T; attempts: number }> {
  let delayMs = policy.firstDelayMs;
  for (let attemptNumber = 1; ; attemptNumber++) {
    let outcome: AttemptResult<T>;
    try {
      outcome = await attempt(attemptNumber);
    } catch (error) {
      if (error instanceof DeliveryError) throw withAttempts(error, attemptNumber);
      throw error;
    }
    if ('done' in outcome) return { value: outcome.done, attempts: attemptNumber };
    const waitMs = outcome.waitMs ?? delayMs;
    const outOfTime =
      policy.remainingMs !== undefined && policy.remainingMs() < waitMs + (policy.minAttemptMs ?? 0);
    if (attemptNumber >= policy.maxAttempts || policy.signal.aborted || outOfTime) {
      throw failure(outcome.retry, attemptNumber, outcome.code, outcome.cause);
    }
    policy.onRetry?.(outcome, attemptNumber, waitMs);
    try {
      await sleep(waitMs, undefined, { signal: policy.signal });
    } catch {
      throw failure(`${outcome.retry}; gave up waiting (notify timeout)`, attemptNumber, 'ETIMEDOUT');
    }
    delayMs *= 2;
  }
}

function failure(
  message: string,
  attempts: number,
  code: string | undefined,
  cause?: unknown,
): DeliveryError {
  return new DeliveryError(message, {
    attempts,
    permanent: false,
    ...(code ? { code } : {}),
    ...(cause ? { cause } : {}),
  });
}

/** A DeliveryError thrown by an attempt counts the tries made so far. */
function withAttempts(error: DeliveryError, attempts: number): DeliveryError {
  if (error.attempts === attempts) return error;
  return new DeliveryError(error.message, {
    attempts,
    permanent: error.permanent,
    ...(error.code ? { code: error.code } : {}),
    cause: error.cause ?? error,
  });
}
