import { describe, expect, it } from 'vitest';
import { setLongTimeout } from '../../src/shared/long-timer.js';

describe('setLongTimeout', () => {
  it("waits out a delay longer than one timer's limit in steps instead of firing at once", async () => {
    const started = performance.now();
    // A 10 ms step stands for Node's 24.8-day limit: 45 ms takes five timers.
    const fired = await new Promise<number>((resolve) => {
      setLongTimeout(() => resolve(performance.now() - started), 45, 10);
    });
    expect(fired).toBeGreaterThanOrEqual(44);
  });

  it('can be cleared between steps', async () => {
    let fired = false;
    const timer = setLongTimeout(
      () => {
        fired = true;
      },
      40,
      10,
    );
    await new Promise((resolve) => setTimeout(resolve, 15));
    timer.clear();
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(fired).toBe(false);
  });

  it('does not fire a delay beyond 2^31 ms early (Node would fire such a timer after 1 ms)', async () => {
    let fired = false;
    const timer = setLongTimeout(
      () => {
        fired = true;
      },
      2 ** 31 + 10,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    timer.clear();
    expect(fired).toBe(false);
  });
});
