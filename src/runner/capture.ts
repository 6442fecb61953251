import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { errorMessage } from '../shared/errors.js';
import { outputCollector } from './output-gc.js';
import { OutputTail } from './output-tail.js';
import { pump } from './pump.js';
import { redactLines } from './redact-lines.js';

export const OUTPUT_TAIL_BYTES = 64 * 1024;
const STDERR_TAIL_BYTES = 8 * 1024;
const LOG_BUFFER_BYTES = 1024 * 1024;
/** After the script exits, output still held open by an orphan for this long (no data) is given up on. */
const ORPHAN_IDLE_MS = 2_000;

/**
 * The script's output: copied with backpressure to our streams and the per-run
 * log file, with only a bounded tail (and a smaller stderr tail, for the error
 * message) kept in memory. Output volume never grows our memory.
 */
export class OutputCapture {
  readonly tail = new OutputTail(OUTPUT_TAIL_BYTES);
  readonly stderrTail = new OutputTail(STDERR_TAIL_BYTES);
  logError: string | undefined;
  /** Where output for the log file is written: the file, or the redaction in front of it. */
  private log: Writable | null = null;
  private file: WriteStream | null = null;
  private lastData: number;
  private pumped: Array<Promise<void>> = [];
  private readonly collect = outputCollector();

  /** `redact`: BACKUP_ALERT_REDACT (and our secrets) applied to the log file, by whole lines. */
  constructor(
    logPath: string | null,
    private readonly now: () => number,
    redact?: (text: string) => string,
  ) {
    this.lastData = now();
    if (logPath) {
      // A 1 MiB buffer rather than the default 16 KiB: every pipe read is up to 64 KiB, so the
      // default made write() report "full" on each chunk and paused and resumed the script's
      // pipe for every one of them (~35% of the time of a large output). Still bounded.
      const file = createWriteStream(logPath, { flags: 'a', mode: 0o600, highWaterMark: LOG_BUFFER_BYTES });
      file.on('error', (error) => {
        this.logError = errorMessage(error);
        this.log?.destroy();
        this.log = null;
        this.file = null;
      });
      this.file = file;
      if (redact) {
        const redacting = redactLines(redact, LOG_BUFFER_BYTES);
        redacting.pipe(file);
        this.log = redacting;
      } else {
        this.log = file;
      }
    }
  }

  /** Starts copying one of the child's streams to `own` (our stdout/stderr; null in quiet mode) and the log. */
  follow(source: Readable | null, own: Writable | null, isStderr: boolean): void {
    const sinks = () => [own, this.log].filter((sink): sink is Writable => sink !== null);
    this.pumped.push(
      pump(source, sinks, (chunk) => {
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

  /** Flushes and closes the log file (through the redaction, when there is one). */
  async close(): Promise<void> {
    const { log, file } = this;
    if (!log || !file) return;
    await new Promise<void>((resolve) => {
      file.once('close', resolve);
      file.once('error', () => resolve());
      // A redaction in front ends the file itself (pipe), after its last held line.
      log.end();
    });
  }
}
