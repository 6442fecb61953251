import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { colourStatus, table } from '../../src/shared/table.js';

/** Where each column starts on screen, by display width (a full-width character takes two cells). */
function columnStarts(line: string, cells: string[]): number[] {
  let from = 0;
  return cells.map((cell) => {
    const index = line.indexOf(cell, from);
    from = index + cell.length;
    return stringWidth(line.slice(0, index));
  });
}

describe('table', () => {
  it('aligns by display width: Japanese text and colour codes do not push columns out of line', async () => {
    const rows = [
      ['ERROR', 'EXIT', 'HOST'],
      ['ディスク容量が不足しています', '1', 'db1'],
      ['disk full', '2', 'db2'],
      [colourStatus('failure', true), '3', 'db3'],
    ];
    const lines = (await table(rows)).split('\n');
    const starts = lines.map((line, index) => columnStarts(line, rows[index]!.slice(1)));
    expect(new Set(starts.map((s) => s.join(','))).size).toBe(1);
    expect(starts[0]).toEqual([
      stringWidth('ディスク容量が不足しています') + 2,
      stringWidth('ディスク容量が不足しています') + 8,
    ]);
  });
});
