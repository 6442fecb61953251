import { describe, expect, it } from 'vitest';
import { MASKED, REDACTED, Redactor } from '../../src/shared/redact.js';

describe('Redactor', () => {
  it('masks every occurrence of a known secret on a line, not only the first', () => {
    const redactor = new Redactor(['s3cret-pass'], []);
    expect(redactor.maskSecrets('a s3cret-pass b s3cret-pass c')).toBe(`a ${MASKED} b ${MASKED} c`);
  });

  it('masks every match of a pattern given without the g flag', () => {
    const redactor = new Redactor([], [/token=\w+/]);
    expect(redactor.redactOutput('token=abc and token=def')).toBe(`${REDACTED} and ${REDACTED}`);
    // And again: a pattern's lastIndex must not carry over from one call to the next.
    expect(redactor.redactOutput('token=ghi')).toBe(REDACTED);
  });

  it('fails closed when the engine gives up on a pattern at its first use: all masked, nothing thrown', () => {
    const redactor = new Redactor([], [new RegExp('(a|b)'.repeat(8000), 'g')]);
    expect(redactor.redactOutput('password=abc')).toBe(REDACTED);
  });
});
