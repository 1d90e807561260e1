import { parseHhmm } from './local-time.ts';

/** One opening interval of a local day, start inclusive, end exclusive. */
export interface OpeningInterval {
  /** Minutes since local midnight, 0–1439. */
  start: number;
  /** Minutes since local midnight, 1–1440; 1440 is the end of the day ('24:00'). */
  end: number;
}

/** Minutes in a full local day: an interval 0–1440 is open around the clock. */
export const FULL_DAY = 1440;

/**
 * Parses configured intervals ("08:00-12:00") into sorted, non-overlapping
 * minute intervals. Overlapping or touching intervals are joined, so callers
 * see exactly the minutes at which the line opens and closes.
 *
 * An interval that ends before it starts is dropped rather than thrown: the
 * loader rejects it at start-up, and at call time a closed hour is safer than
 * a call that fails in the router.
 */
export function normaliseIntervals(configured: readonly string[]): OpeningInterval[] {
  const parsed = configured
    .map((text) => {
      const [from = '', to = ''] = text.split('-');
      return { start: parseHhmm(from), end: parseHhmm(to) };
    })
    .filter((iv) => iv.end > iv.start)
    .sort((a, b) => a.start - b.start);
  const merged: OpeningInterval[] = [];
  for (const iv of parsed) {
    const last = merged.at(-1);
    if (last && iv.start <= last.end) last.end = Math.max(last.end, iv.end);
    else merged.push({ ...iv });
  }
  return merged;
}

/** A stable text key for a day's hours, to compare days with each other. */
export function intervalsKey(intervals: readonly OpeningInterval[]): string {
  return intervals.map((iv) => `${iv.start}-${iv.end}`).join(',');
}
