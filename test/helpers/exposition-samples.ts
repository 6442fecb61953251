/**
 * Reading an exposition back in tests (both tiers): no program needed, so the npm tier
 * imports this and never the Prometheus programs' helper (prometheus.ts, interop only).
 */

/** Samples of `name` in an exposition: labels as an object, value as a number. */
export function samples(
  text: string,
  name: string,
): Array<{ labels: Record<string, string>; value: number }> {
  const found: Array<{ labels: Record<string, string>; value: number }> = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const match = /^[^{ ]+(?:\{(.*)\})? (\S+)/s.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    found.push({ labels, value: Number(match[2]) });
  }
  return found;
}
