// The printed report (one table of every figure with a target, grouped by issue,
// then each section's own tables) and bench/results.json.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { ROOT } from './context.js';

const MiB = 1024 * 1024;
/** The order issues are listed in: this round's first. */
const ISSUES = ['15', '16', '12', '11', '14', '6'];

export function machine() {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // Not Linux.
  }
  let load = null;
  try {
    load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    // Not Linux.
  }
  return {
    cpus: cpus().length,
    cpuModel: model,
    memoryMiB: Math.round(totalmem() / MiB),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: load,
  };
}

/** The commit measured, and whether the work tree differed from it. */
export function revision() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    return {
      commit: git('rev-parse', 'HEAD'),
      dirty: git('status', '--porcelain', '--', 'src', 'bin', 'scripts') !== '',
    };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** Fixed-width text table; `columns` are [key, heading] pairs. */
export function table(rows, columns) {
  const cells = [
    columns.map(([, heading]) => heading),
    ...rows.map((row) => columns.map(([key]) => String(row[key] ?? ''))),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i].length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const TARGET_COLUMNS = [
  ['issue', '#'],
  ['figure', 'figure'],
  ['median', 'median'],
  ['range', 'min–max'],
  ['baseline', 'baseline (median)'],
  ['ratio', 'ratio / cost'],
  ['target', 'target'],
  ['met', 'met'],
];

/** Every section's target rows, ordered by issue (stable within an issue). */
export function targetRows(done) {
  const rows = done.flatMap(({ section, result }) => (section.targets ? section.targets(result) : []));
  return rows.sort((a, b) => ISSUES.indexOf(a.issue) - ISSUES.indexOf(b.issue));
}

export function extraTables(done) {
  return done.flatMap(({ section, result }) => (section.tables ? section.tables(result) : []));
}

export function printReport(out, done, meta) {
  const m = meta.machine;
  out.write(`\nbackup-alert bench — ${meta.mode} mode, ${meta.date}\n`);
  out.write(
    `revision ${meta.revision.commit ?? 'unknown'}${meta.revision.dirty ? ' (src/bin/scripts modified)' : ''}\n` +
      `machine: ${m.cpus}× ${m.cpuModel}, ${m.memoryMiB} MiB, node ${m.node}, load ${m.loadAverage} → ${m.loadAverageAfter}\n\n`,
  );
  const rows = targetRows(done);
  if (rows.length) {
    // Skipped figures are listed under the table with their reason (in results.json as rows).
    const skipped = rows.filter((row) => row.met === 'skipped');
    out.write(
      `${table(
        rows.filter((row) => row.met !== 'skipped'),
        TARGET_COLUMNS,
      )}\n`,
    );
    for (const row of skipped) {
      out.write(`${row.issue}  skipped: ${row.figure} — ${row.target.replace(/^skipped: /, '')}\n`);
    }
    const counted = rows.filter((row) => row.met === 'yes' || row.met === 'NO');
    out.write(
      `\n${counted.filter((row) => row.met === 'yes').length} of ${counted.length} targets met` +
        `${skipped.length ? `; ${skipped.length} figure(s) skipped` : ''}\n`,
    );
  }
  for (const t of extraTables(done)) out.write(`\n${t.title}:\n${table(t.rows, t.columns)}\n`);
}

/** results.json: the tables as printed, plus every raw figure (samples included). */
export function resultsJson(done, meta) {
  const clean = (value) =>
    JSON.parse(JSON.stringify(value, (key, v) => (key === 'stderr' || key === 'stdout' ? undefined : v)));
  return {
    ...meta,
    targets: targetRows(done),
    tables: extraTables(done),
    raw: Object.fromEntries(done.map(({ section, result }) => [section.id, clean(result)])),
  };
}
