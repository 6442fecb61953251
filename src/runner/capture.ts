import type { Readable, Writable } from 'node:stream';
import { errorMessage } from '../shared/errors.js';
import { LogFile } from './log-file.js';
import { outputCollector } from './output-gc.js';
import { OutputTail } from './output-tail.js';
import { pump } from './pump.js';
import { redactLines } from './redact-lines.js';

export const OUTPUT_TAIL_BYTES = 64 * 1024;
const STDERR_TAIL_BYTES = 8 * 1024;
const REDACT_BUFFER_BYTES = 1024 * 1024;
/** After the script exits, output still held open by an orphan for this long (no data) is given up on. */
const ORPHAN_IDLE_MS = 2_000;

export interface CaptureOptions {
  logPath: string | null;
  now: () => number;
  /** BACKUP_ALERT_REDACT (and our secrets) applied to the log file, by whole lines. */
  redact?: ((text: string) => string) | undefined;
  /**
   * `--quiet`: the script's stdout goes straight into the log file (its descriptor is
   * handed to the script); we copy nothing and read the tail back from the file at the
   * end. Only without redaction, which has to see every line.
   */
  quiet: boolean;
}

/**
 * The script's output: copied with backpressure to our streams and the per-run log file,
 * with only a bounded tail (and a smaller stderr tail, for the error message) kept in
 * memory. Output volume never grows our memory.
 */
export class OutputCapture {
  readonly tail = new OutputTail(OUTPUT_TAIL_BYTES);
  readonly stderrTail = new OutputTail(STDERR_TAIL_BYTES);
  private openError: string | undefined;
  private readonly file: LogFile | null = null;
  /** Where copied output for the log goes: the file, or the redaction in front of it. */
  private readonly log: Writable | null = null;
  private fileStream: Writable | null = null;
  private lastData: number;
  private pumped: Array<Promise<void>> = [];
  private readonly collect = outputCollector();
  private readonly now: () => number;
  /** The log file's descriptor, when the script's stdout is to be written there directly. */
  readonly directFd: number | undefined;

  constructor(options: CaptureOptions) {
    this.now = options.now;
    this.lastData = options.now();
    if (!options.logPath) return;
    try {
      this.file = new LogFile(options.logPath);
    } catch (error) {
      this.openError = errorMessage(error);
      return;
    }
    const sink = this.file.stream();
    this.fileStream = sink;
    if (options.redact) {
      const redacting = redactLines(options.redact, REDACT_BUFFER_BYTES);
      redacting.pipe(sink);
      this.log = redacting;
    } else {
      this.log = sink;
      if (options.quiet) this.directFd = this.file.fd;
    }
  }

  get logError(): string | undefined {
    return this.openError ?? this.file?.error;
  }

  /** Starts copying one of the child's streams to `own` (our stdout/stderr; null in quiet mode) and the log. */
  follow(source: Readable | null | undefined, own: Writable | null, isStderr: boolean): void {
    const sinks = own ? [own] : [];
    this.pumped.push(
      pump(source ?? null, sinks, (chunk) => {
        // The log first, synchronously (the file's own write, or the redaction in front of
        // it, which writes through at once): no stream machinery per chunk.
        if (this.file && this.log === this.fileStream) this.file.write(chunk);
        else this.log?.write(chunk);
        this.tail.push(chunk);
        if (isStderr) this.stderrTail.push(chunk);
        this.collect(chunk.length);
        this.lastData = this.now();
      }),
    );
  }

  /**
   * Waits for the copies to end. Output held open by a leftover background process
   * must not hang a cron job forever: after ORPHAN_IDLE_MS without data it is cut.
   */
  async drain(destroy: () => void): Promise<void> {
    const all = Promise.all(this.pumped);
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (this.now() - this.lastData >= ORPHAN_IDLE_MS) {
          clearInterval(check);
          destroy();
          resolve();
        }
      }, 250);
      void all.then(() => {
        clearInterval(check);
        resolve();
      });
    });
  }

  /** Flushes the redaction (if any), reads back a direct writer's tail, closes the file. */
  async close(): Promise<void> {
    const { log, file } = this;
    if (!log || !file) return;
    await new Promise<void>((resolve) => {
      log.once('finish', resolve);
      log.once('error', () => resolve());
      log.end();
    });
    if (this.directFd !== undefined) {
      try {
        const { bytes, tail } = file.tail(OUTPUT_TAIL_BYTES);
        this.tail.adopt(tail, bytes);
      } catch (error) {
        file.error ??= errorMessage(error);
      }
    }
    file.close();
  }
}
