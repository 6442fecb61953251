export type ForwardedSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';
export const FORWARDED_SIGNALS: readonly ForwardedSignal[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Where signals to us come from; the CLI binds it to `process`, tests to an emitter. Returns an unsubscribe. */
export interface SignalSource {
  on(signal: ForwardedSignal, handler: (signal: ForwardedSignal) => void): () => void;
}

/**
 * Catches SIGTERM/SIGINT/SIGHUP from the moment a run starts. The script runs
 * on another core while we finish spawning it, so handlers installed after the
 * spawn would leave a window in which a signal kills us with the row still `running`.
 */
export class SignalLatch {
  /** The first signal received, if any. */
  received: ForwardedSignal | null = null;
  private listener: ((signal: ForwardedSignal) => void) | undefined;
  private readonly unsubscribe: Array<() => void>;

  constructor(source: SignalSource) {
    this.unsubscribe = FORWARDED_SIGNALS.map((name) =>
      source.on(name, (signal) => {
        this.received ??= signal;
        this.listener?.(signal);
      }),
    );
  }

  /** Who acts on signals now (the runner, while the script runs); undefined = only remember them. */
  onSignal(listener: ((signal: ForwardedSignal) => void) | undefined): void {
    this.listener = listener;
  }

  dispose(): void {
    for (const off of this.unsubscribe) off();
  }
}
