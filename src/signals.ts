export type ForwardedSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP';
export const FORWARDED_SIGNALS: readonly ForwardedSignal[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Where signals to us come from; the CLI binds it to `process`, tests to an emitter. Returns an unsubscribe. */
export interface SignalSource {
  on(signal: ForwardedSignal, handler: (signal: ForwardedSignal) => void): () => void;
}
