import { describe, expect, it } from 'vitest';
import { RequestTimings, summarize } from '../../../src/telephony/request-timings.ts';

describe('ARI request timings', () => {
  it('summarizes by operation, one operation per kind of variable request, busiest first', () => {
    const t = new RequestTimings();
    for (const ms of [10, 20, 30]) t.record('play', ms);
    t.record('set HOTLINE_NODE', 5);
    t.record('set HOTLINE_LANG', 7);
    t.record('get HOTLINE_ATTEMPT', 2);
    expect(t.summary()).toEqual({
      play: { n: 3, p50: 20, p99: 30, max: 30 },
      setVar: { n: 2, p50: 5, p99: 7, max: 7 },
      getVar: { n: 1, p50: 2, p99: 2, max: 2 },
    });
  });

  it('keeps the last samples of each operation only', () => {
    const t = new RequestTimings(3);
    for (const ms of [1000, 1, 2, 3]) t.record('play', ms);
    expect(t.summary().play).toEqual({ n: 3, p50: 2, p99: 3, max: 3 });
  });

  it('percentiles by rank: p99 of 100 samples is the 99th', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(summarize(samples)).toEqual({ n: 100, p50: 50, p99: 99, max: 100 });
    expect(summarize([])).toEqual({ n: 0, p50: 0, p99: 0, max: 0 });
  });
});
