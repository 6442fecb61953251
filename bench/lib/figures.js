// One row of the report per figure: median, min–max, the baseline measured in the
// same run, the ratio or difference to it, the target and whether it is met.
const MiB = 1024 * 1024;

export const fmtMs = (value) => `${value.toFixed(1)} ms`;
export const fmtMiB = (kib) => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : 'n/a');
/** `12.3–45.6 ms`: the unit once. */
export const range = (s) => `${s.min.toFixed(1)}–${fmtMs(s.max)}`;
export const signed = (value) => `${value >= 0 ? '+' : '−'}${fmtMs(Math.abs(value))}`;
const met = (ok) => (ok ? 'yes' : 'NO');

/** `s.median / base.median ≤ limit` (start-up against `node -e 0`, 1 M rows against 1 k). */
export function ratioRow(figure, s, base, baseLabel, limit) {
  const ratio = s.median / base.median;
  return {
    figure,
    median: fmtMs(s.median),
    range: range(s),
    baseline: `${baseLabel}: ${fmtMs(base.median)}`,
    ratio: `${ratio.toFixed(2)}×`,
    target: `≤ ${limit}×`,
    met: met(ratio <= limit),
  };
}

/**
 * `s.median − base.median ≤ limit` ms: what switching one thing on costs. When CPU
 * time was measured too, the difference of its means is shown beside (a loaded
 * machine blurs wall time more than CPU time).
 */
export function deltaRow(figure, s, base, baseLabel, limit, { targetText } = {}) {
  const delta = s.median - base.median;
  const cpu = s.cpu && base.cpu ? ` (CPU ${signed(s.cpu.mean - base.cpu.mean)} mean)` : '';
  return {
    figure,
    median: fmtMs(s.median),
    range: range(s),
    baseline: `${baseLabel}: ${fmtMs(base.median)}`,
    ratio: `${signed(delta)}${cpu}`,
    target: targetText ?? `≤ +${limit} ms`,
    met: met(delta <= limit),
  };
}

/** Throughput against `bash script > file`: bash's time / ours ≥ limit. */
export function throughputRow(figure, bytes, s, base, limit) {
  const ratio = base.median / s.median;
  return {
    figure,
    median: `${((bytes / MiB / s.median) * 1000).toFixed(0)} MiB/s (${fmtMs(s.median)})`,
    range: range(s),
    baseline: `bash > file: ${fmtMs(base.median)}`,
    ratio: `${ratio.toFixed(2)}×`,
    target: `≥ ${limit}×`,
    met: met(ratio >= limit),
  };
}

/** An absolute bound (`value ≤ limit`), with whatever baseline gives it a scale. */
export function boundRow(figure, { median, range: spread, baseline = '—', ratio = '—' }, value, limit, unit) {
  return {
    figure,
    median,
    range: spread,
    baseline,
    ratio,
    target: `≤ ${limit} ${unit}`,
    met: met(value <= limit),
  };
}

/** A yes/no requirement (every row arrives once; no e-mail code loaded). */
export function checkRow(figure, fields, ok, target) {
  return { figure, baseline: '—', ratio: '—', ...fields, target, met: met(ok) };
}

/** A figure shown for comparison only (a peer, a part of another figure). */
export function infoRow(figure, fields) {
  return { figure, median: '—', range: '—', baseline: '—', ratio: '—', target: '—', met: '—', ...fields };
}

/** A figure that could not be measured here, and why (`why` starts "skipped: "). */
export function skippedRow(figure, why) {
  return { figure, median: '—', range: '—', baseline: '—', ratio: '—', target: why, met: 'skipped' };
}
