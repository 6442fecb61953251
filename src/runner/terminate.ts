import { type LongTimer, setLongTimeout } from '../shared/long-timer.js';
import { isGroupAlive } from './process-alive.js';
import type { ForwardedSignal } from './signals.js';

/**
 * Ends the script's whole process group: the signal first (SIGTERM on a timeout,
 * the one we received otherwise), SIGKILL after the grace period. The script and
 * everything it started get the same treatment.
 */
export class GroupTerminator {
  timedOut = false;
  interruptedBy: ForwardedSignal | null = null;
  private terminating = false;
  // Long timers: `--timeout 25d` and `--kill-after 30d` are honoured, not fired after 1 ms.
  private killTimer: LongTimer | undefined;
  private timeoutTimer: LongTimer | undefined;

  constructor(
    private readonly pgid: number | undefined,
    private readonly killAfterMs: number,
  ) {}

  /** Starts the --timeout clock. */
  armTimeout(timeoutMs: number | undefined): void {
    if (timeoutMs === undefined) return;
    this.timeoutTimer = setLongTimeout(() => {
      this.timedOut = true;
      this.terminate('SIGTERM');
    }, timeoutMs);
  }

  /** A signal sent to us: forwarded to the group, then escalated like a timeout. */
  onSignal(signal: ForwardedSignal): void {
    if (this.interruptedBy === null && !this.timedOut) this.interruptedBy = signal;
    this.terminate(signal);
  }

  get isTerminating(): boolean {
    return this.terminating;
  }

  /** After the leader exited: anything left in its group ignored the signal; it gets the rest of the grace. */
  async finish(): Promise<void> {
    this.timeoutTimer?.clear();
    if (this.terminating && this.pgid !== undefined) {
      await waitForGroupExit(this.pgid, this.killAfterMs);
      this.kill('SIGKILL');
    }
    this.killTimer?.clear();
  }

  private terminate(signal: NodeJS.Signals): void {
    if (this.terminating) return;
    this.terminating = true;
    this.kill(signal);
    this.killTimer = setLongTimeout(() => this.kill('SIGKILL'), this.killAfterMs);
  }

  private kill(signal: NodeJS.Signals): void {
    if (this.pgid === undefined) return;
    try {
      process.kill(-this.pgid, signal);
    } catch {
      // Group already gone.
    }
  }
}

async function waitForGroupExit(pgid: number, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  // Not signal 0 alone: a killed grandchild stays a zombie until a slow reaper collects it,
  // and waiting for it would overshoot --kill-after.
  while (Date.now() < deadline) {
    if (!isGroupAlive(pgid)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
