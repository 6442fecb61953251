import { html, type SafeHtml } from './html.js';

export interface ChartPoint {
  /** Epoch ms: the x axis is time, so gaps between runs show. */
  at: number;
  value: number;
  /** The point's tooltip (<title>): escaped like all text. */
  label: string;
  failed: boolean;
}

const W = 720;
const H = 180;
const PAD = { left: 64, right: 12, top: 12, bottom: 24 };

/**
 * A line over time as inline SVG: no script, no external request, nothing the strict CSP
 * would refuse (attributes only, no style attribute). Failed runs are red dots. Axis labels
 * are the extremes only; each point's exact value is in its tooltip.
 */
export function lineChart(
  points: readonly ChartPoint[],
  title: string,
  format: (value: number) => string,
): SafeHtml {
  const xs = points.map((p) => p.at);
  const ys = points.map((p) => p.value);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(...ys, 1);
  const x = (at: number) => PAD.left + (x1 === x0 ? 0.5 : (at - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`)
    .join(' ');
  return html`<svg class="chart" role="img" viewBox="0 0 ${W} ${H}" xmlns="http://www.w3.org/2000/svg"><title>${title}</title>
<line x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}" stroke="#9e9e9e"/>
<line x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}" stroke="#9e9e9e"/>
<text x="${PAD.left - 6}" y="${PAD.top + 10}" text-anchor="end" font-size="11" fill="#5f6368">${format(yMax)}</text>
<text x="${PAD.left - 6}" y="${H - PAD.bottom}" text-anchor="end" font-size="11" fill="#5f6368">0</text>
<path d="${path}" fill="none" stroke="#1565c0" stroke-width="2"/>
${points.map(
  (p) =>
    html`<circle cx="${x(p.at).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="4" fill="${p.failed ? '#c62828' : '#1565c0'}"><title>${p.label}</title></circle>`,
)}
</svg>`;
}
