import { appendFileSync } from 'node:fs';
import { Redactor } from './redact.js';
import { oneLineSafe } from './terminal-text.js';

export const LogLevel = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevelName = Exclude<keyof typeof LogLevel, 'silent'>;
export type LogFormat = 'text' | 'json';

export interface Logger {
  debug(component: string, message: string): void;
  info(component: string, message: string): void;
  warn(component: string, message: string): void;
  error(component: string, message: string): void;
  /** Masks our secrets in a text (the redactor's job); for output that is not a log line. */
  mask(text: string): string;
}

export interface LoggerOptions {
  /** Where log lines go; the CLI passes stderr. */
  write: (line: string) => void;
  level?: keyof typeof LogLevel;
  format?: LogFormat;
  /** Also append every line to this file (the runbook greps app.log). */
  file?: string;
  now?: () => Date;
  /** Masks our secrets in every line; none masked without one. */
  redactor?: Redactor;
  /**
   * Start text lines with the time (`2026-02-15T03:00:15.123Z [INFO] …`): for output read
   * later (cron mail, a file), not a terminal, and not the journal, which stamps every line.
   */
  timestamps?: boolean;
}

const LABEL: Record<LogLevelName, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR' };

/** Lines shaped as the runbook shows them: `[INFO] [Backup] message`. */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = LogLevel[options.level ?? 'info'];
  const format = options.format ?? 'text';
  const now = options.now ?? (() => new Date());
  const redactor = options.redactor ?? new Redactor();
  let fileBroken = false;
  const mask = (text: string): string => redactor.maskSecrets(text);

  const emit = (level: LogLevelName, component: string, message: string): void => {
    const text = mask(message);
    const time = now().toISOString();
    const line =
      format === 'json'
        ? JSON.stringify({ time, level, component, message: text })
        : // One line, controls visible: a value with CR/LF or ESC (an env value, a script's
          // stderr) can neither forge a log line nor drive the operator's terminal.
          `[${LABEL[level]}] [${component}] ${oneLineSafe(text)}`;
    if (LogLevel[level] >= threshold) {
      options.write(options.timestamps && format === 'text' ? `${time} ${line}\n` : `${line}\n`);
    }
    if (options.file && !fileBroken) {
      try {
        appendFileSync(options.file, format === 'json' ? `${line}\n` : `${time} ${line}\n`, { mode: 0o600 });
      } catch (error) {
        fileBroken = true;
        options.write(`[WARN] [Logger] Cannot append to log file ${options.file}: ${String(error)}\n`);
      }
    }
  };

  return {
    debug: (c, m) => emit('debug', c, m),
    info: (c, m) => emit('info', c, m),
    warn: (c, m) => emit('warn', c, m),
    error: (c, m) => emit('error', c, m),
    mask,
  };
}
