import { describe, expect, it } from 'vitest';
import { renderExposition } from '../../../src/metrics/exposition.js';
import { EXPOSITION_CASES } from '../../helpers/exposition-cases.js';
import { promtoolCheckMetrics } from '../../helpers/prometheus.js';

describe('every exposition the code can produce passes promtool check metrics', () => {
  it.each(EXPOSITION_CASES)('%s', async (_name, make) => {
    const text = renderExposition(make());
    const result = await promtoolCheckMetrics(text);
    expect(result.output).toBe('');
    expect(result.exitCode).toBe(0);
  });
});
