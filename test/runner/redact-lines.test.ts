import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { MAX_HELD_LINE_BYTES, redactLines } from '../../src/runner/redact-lines.js';
import { Redactor } from '../../src/shared/redact.js';
import { runMain } from '../helpers/cli.js';
import { readRuns } from '../helpers/db.js';
import { tempDir, writeScript } from '../helpers/tmp.js';

async function through(chunks: Array<string | Buffer>, redact: (text: string) => string): Promise<string> {
  const out: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      out.push(chunk);
      callback();
    },
  });
  await pipeline(
    (async function* () {
      for (const chunk of chunks) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    })(),
    redactLines(redact, 1024),
    sink,
  );
  return Buffer.concat(out).toString('utf8');
}

const redactor = new Redactor([], [/token=\S+/g]);
const redact = (text: string) => redactor.redactOutput(text);

describe('redactLines', () => {
  it('a match split across chunks is still masked; everything else passes unchanged', async () => {
    const text = await through(
      ['start\nto', 'ken=abc', '123 end\nlast line without newline ', 'token=zz'],
      redact,
    );
    expect(text).toBe('start\n[REDACTED] end\nlast line without newline [REDACTED]');
  });

  it('a multi-byte character split across chunks comes out whole', async () => {
    const bytes = Buffer.from('ディスク満杯\n', 'utf8');
    expect(await through([bytes.subarray(0, 4), bytes.subarray(4)], redact)).toBe('ディスク満杯\n');
  });

  it('a line longer than the bound is written in pieces (memory stays bounded), characters whole', async () => {
    const long = 'あ'.repeat(MAX_HELD_LINE_BYTES);
    const bytes = Buffer.from(`${long}\n`, 'utf8');
    const chunks = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) =>
      bytes.subarray(i * 1000, (i + 1) * 1000),
    );
    const pieces: string[] = [];
    await through(chunks, (text) => {
      pieces.push(text);
      return text;
    });
    expect(pieces.join('')).toBe(`${long}\n`);
    expect(Math.max(...pieces.map((piece) => Buffer.byteLength(piece)))).toBeLessThan(
      MAX_HELD_LINE_BYTES + 1000,
    );
  });
});

describe('the per-run log file with BACKUP_ALERT_REDACT', () => {
  it('is redacted as it is written, like the database and the alerts; --quiet replays the redacted file', async () => {
    const dir = tempDir();
    const db = join(dir, 'state.db');
    // The token reaches us in two writes, a tenth of a second apart: two pipe reads.
    const script = writeScript(
      dir,
      'backup.sh',
      'printf "uploading with tok"\nsleep 0.1\nprintf "en=s3cr3t-value done\\n"\nexit 1',
    );
    const result = await runMain(['run', '--type', 'daily', '--quiet', '--script', script, '--db', db], {
      env: { BACKUP_ALERT_REDACT: 'token=\\S+' },
    });
    expect(result.exitCode).toBe(1);
    const [row] = readRuns(db);
    expect(readFileSync(row!.log_path!, 'utf8')).toBe('uploading with [REDACTED] done\n');
    expect(row!.output_tail).toBe('uploading with [REDACTED] done\n');
    expect(result.stdout).toBe('uploading with [REDACTED] done\n');
    expect(result.stdout + result.stderr).not.toContain('s3cr3t');
  });
});
