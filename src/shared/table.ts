import kleur from 'kleur';
import stringWidth from 'string-width';

/** Green for healthy, cyan for in progress, red for everything else; plain without colour. */
export function colourStatus(status: string, color: boolean): string {
  if (!color) return status;
  if (status === 'success' || status === 'OK') return kleur.green(status);
  if (status === 'running') return kleur.cyan(status);
  return kleur.red(status);
}

/**
 * Left-aligned columns. Widths are display widths: colour codes count for
 * nothing and a full-width (Japanese) character for two, so an error message
 * in Japanese does not push the columns after it out of line.
 */
export function table(rows: readonly string[][]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, stringWidth(cell));
    });
  }
  return rows
    .map((row) =>
      row
        .map((cell, index) =>
          index === row.length - 1 ? cell : cell + ' '.repeat((widths[index] ?? 0) - stringWidth(cell)),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
