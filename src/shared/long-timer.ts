import { MAX_TIMER_MS } from './duration.js';

export interface LongTimer {
  clear(): void;
}

/**
 * setTimeout for any delay. Node fires a timer of more than 2^31-1 ms (~24.8 days) after
 * 1 ms instead, so `--timeout 25d` killed a healthy script at once: longer delays are
 * waited out in steps, re-arming until the whole delay has passed.
 */
export function setLongTimeout(fn: () => void, delayMs: number, stepMs = MAX_TIMER_MS): LongTimer {
  let timer: NodeJS.Timeout | undefined;
  const arm = (left: number) => {
    timer = setTimeout(() => (left > stepMs ? arm(left - stepMs) : fn()), Math.min(left, stepMs));
  };
  arm(Math.max(0, delayMs));
  return { clear: () => clearTimeout(timer) };
}
