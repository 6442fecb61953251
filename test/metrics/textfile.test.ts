import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeTextfileDir, writeTextfile } from '../../src/metrics/textfile.js';
import { bundleDriver } from '../helpers/bundle.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * A file that says whether it is whole: a header with its writer, sequence and length, lines of
 * valid exposition, and a footer repeating the header. A torn or mixed file fails `isWhole`.
 */
function content(writer: number, seq: number, lines = 2000): string {
  let body = '';
  for (let i = 0; i < lines; i++)
    body += `test_writer_sample{writer="${writer}",seq="${seq}",line="${i}"} ${i}\n`;
  const footer = `# end ${writer} ${seq}\n`;
  const header = `# begin ${writer} ${seq} ${Buffer.byteLength(body + footer)}\n`;
  return header + body + footer;
}

function isWhole(text: string): boolean {
  const match = /^# begin (\d+) (\d+) (\d+)\n/.exec(text);
  if (!match) return false;
  const rest = text.slice(match[0].length);
  return Buffer.byteLength(rest) === Number(match[3]) && rest.endsWith(`# end ${match[1]} ${match[2]}\n`);
}

const isRoot = process.getuid?.() === 0;

const DRIVER = `
import { writeTextfile } from './module.mjs';
const [mode, path, writer, count] = process.argv.slice(2);
${content.toString()}
if (mode === 'once') {
  process.stdout.write(JSON.stringify(await writeTextfile(path, 'backup_alert_build_info{version="x"} 1\\n')));
} else {
  for (let seq = 0; seq < Number(count); seq++) {
    const result = await writeTextfile(path, content(Number(writer), seq));
    if (!result.ok) { process.stderr.write(result.error); process.exit(1); }
  }
}
`;

let driver: Awaited<ReturnType<typeof bundleDriver>>;
beforeAll(async () => {
  driver = await bundleDriver('src/metrics/textfile.ts', DRIVER);
});
afterAll(() => driver.cleanup());

describe('writeTextfile', () => {
  it('writes the file whole, readable by node_exporter whatever the umask, and leaves no temp file', async () => {
    const dir = tempDir();
    const path = join(dir, 'backup-alert.prom');
    const previous = process.umask(0o077);
    try {
      expect(await writeTextfile(path, content(1, 1))).toEqual({
        ok: true,
        bytes: Buffer.byteLength(content(1, 1)),
      });
      expect(await writeTextfile(path, content(1, 2))).toMatchObject({ ok: true });
    } finally {
      process.umask(previous);
    }
    expect(readFileSync(path, 'utf8')).toBe(content(1, 2));
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(['backup-alert.prom']);
  });

  it('never shows a reader a half-written file, with many writers at once in one process', async () => {
    const dir = tempDir();
    const path = join(dir, 'backup-alert.prom');
    await writeTextfile(path, content(0, 0));
    let done = false;
    let reads = 0;
    const torn: string[] = [];
    const reader = (async () => {
      while (!done) {
        const text = await readFile(path, 'utf8');
        reads++;
        if (!isWhole(text)) torn.push(text.slice(0, 80));
      }
    })();
    const writers = Array.from({ length: 8 }, async (_, writer) => {
      for (let seq = 0; seq < 10; seq++) {
        const result = await writeTextfile(path, content(writer + 1, seq));
        expect(result.ok).toBe(true);
      }
    });
    await Promise.all(writers);
    done = true;
    await reader;
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(isWhole(readFileSync(path, 'utf8'))).toBe(true);
    expect(readdirSync(dir)).toEqual(['backup-alert.prom']);
  });

  it('never shows a reader a half-written file, with two runs finishing together (two processes)', async () => {
    const dir = tempDir();
    const path = join(dir, 'backup-alert.prom');
    await writeTextfile(path, content(0, 0));
    const children = [1, 2, 3].map((writer) =>
      execa(process.execPath, [driver.script, 'loop', path, String(writer), '30'], {
        reject: false,
        timeout: 60_000,
      }),
    );
    let running = true;
    void Promise.all(children).then(() => {
      running = false;
    });
    const torn: string[] = [];
    let reads = 0;
    while (running) {
      const text = readFileSync(path, 'utf8');
      reads++;
      if (!isWhole(text)) torn.push(text.slice(0, 80));
      await new Promise((resolve) => setImmediate(resolve));
    }
    for (const child of await Promise.all(children)) expect(child.stderr).toBe('');
    expect(torn).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(readdirSync(dir)).toEqual(['backup-alert.prom']);
  });

  it('returns an error for a missing directory, and does not create it', async () => {
    const dir = tempDir();
    const path = join(dir, 'missing', 'backup-alert.prom');
    const result = await writeTextfile(path, 'x 1\n');
    expect(result).toEqual({
      ok: false,
      code: 'ENOENT',
      error: `cannot write metrics file ${path}: its directory does not exist (ENOENT)`,
    });
    expect(readdirSync(dir)).toEqual([]);
    expect(await probeTextfileDir(path)).toMatchObject({ ok: false, code: 'ENOENT' });
  });

  it('returns an error when a part of the path is a file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), '');
    const result = await writeTextfile(join(dir, 'file', 'backup-alert.prom'), 'x 1\n');
    expect(result).toMatchObject({ ok: false, code: 'ENOTDIR' });
  });

  it('returns an error for a read-only directory (as an unprivileged user), leaving the old file', async () => {
    const dir = tempDir();
    const path = join(dir, 'backup-alert.prom');
    writeFileSync(path, 'old 1\n');
    chmodSync(path, 0o644);
    chmodSync(dir, 0o555);
    try {
      let result: unknown;
      if (isRoot) {
        // root writes anywhere: run the same code as `nobody`, for whom the directory is read-only.
        const child = await execa(
          'runuser',
          ['-u', 'nobody', '--', process.execPath, driver.script, 'once', path],
          {
            reject: false,
            timeout: 30_000,
          },
        );
        expect(child.stderr).toBe('');
        expect(child.exitCode).toBe(0);
        result = JSON.parse(child.stdout);
        expect(await probeTextfileDir(path)).toMatchObject({ ok: true });
      } else {
        result = await writeTextfile(path, 'new 1\n');
        expect(await probeTextfileDir(path)).toMatchObject({ ok: false, code: 'EACCES' });
      }
      expect(result).toMatchObject({ ok: false, code: 'EACCES' });
      expect((result as { error: string }).error).toContain('permission denied');
      expect(readFileSync(path, 'utf8')).toBe('old 1\n');
      expect(readdirSync(dir)).toEqual(['backup-alert.prom']);
    } finally {
      chmodSync(dir, 0o755);
    }
  });

  it('probes a writable directory without leaving anything', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'sub'));
    expect(await probeTextfileDir(join(dir, 'sub', 'backup-alert.prom'))).toEqual({ ok: true, bytes: 0 });
    expect(readdirSync(join(dir, 'sub'))).toEqual([]);
  });
});
