import kleur from 'kleur';

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
export async function table(rows: readonly string[][]): Promise<string> {
  // string-width compiles a large emoji pattern (tens of ms): loaded only when a cell holds
  // more than ASCII, where plain length (colour codes left out) is already the display width.
  const wide = rows.some((row) => row.some((cell) => NON_ASCII.test(cell)));
  const stringWidth = wide ? (await import('string-width')).default : asciiWidth;
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

const NON_ASCII = /[^\x00-\x7f]/;
const ANSI = /\u001b\[[0-9;]*m/g;

function asciiWidth(text: string): number {
  return text.replace(ANSI, '').length;
}
