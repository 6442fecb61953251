import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { Redactor } from '../../src/shared/redact.js';

describe('logger', () => {
  it('writes the runbook §9.2 shape and masks every registered secret, in text and JSON', () => {
    const lines: string[] = [];
    const redactor = new Redactor(['s3cret-pass', 'https://hooks.slack.com/services/T/B/tok'], []);
    const text = createLogger({ write: (line) => lines.push(line), redactor });
    text.error('Backup', 'Failed: auth s3cret-pass to https://hooks.slack.com/services/T/B/tok refused');
    expect(lines[0]).toBe('[ERROR] [Backup] Failed: auth *** to *** refused\n');
    const json = createLogger({
      write: (line) => lines.push(line),
      redactor,
      format: 'json',
      now: () => new Date(0),
    });
    json.info('EmailService', 'password s3cret-pass');
    expect(JSON.parse(lines[1]!)).toEqual({
      time: '1970-01-01T00:00:00.000Z',
      level: 'info',
      component: 'EmailService',
      message: 'password ***',
    });
  });

  it('does not mask values shorter than 4 characters (they would eat ordinary words)', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), redactor: new Redactor(['ab'], []) });
    logger.info('X', 'about tab');
    expect(lines[0]).toBe('[INFO] [X] about tab\n');
  });
});
