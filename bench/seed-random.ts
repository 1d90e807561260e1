/**
 * The seeded randomness and the time profile of the month seeder
 * (bench/seed-month.ts): the same seed gives the same rows, uuids included,
 * so two benchmark runs measure the same data.
 */
import { fromLocalMinutes, weekdayOf } from '../src/calendar/local-time.ts';
import type { Month } from '../src/figures/month.ts';

export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** mulberry32: small, fast and good enough for test data. */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)]!;
  }

  /** One key of `weights`, with probability proportional to its weight. */
  weighted<K extends string | number>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    let r = this.next() * entries.reduce((a, [, w]) => a + w, 0);
    for (const [k, w] of entries) if ((r -= w) < 0) return k;
    return entries.at(-1)![0];
  }

  /** A version-4 uuid from this generator (not crypto.randomUUID: runs must repeat). */
  uuid(): string {
    const hex = Array.from({ length: 32 }, () => Math.floor(this.next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
    const s = hex.join('');
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  hex(length: number): string {
    return Array.from({ length }, () => Math.floor(this.next() * 16).toString(16)).join('');
  }

  /** A mobile number out of a pool of `size`, so that some callers call more than once. */
  number(size: number): string {
    return `13${String(100_000_000 + this.int(0, size - 1) * 7919 % 900_000_000).padStart(9, '0')}`;
  }
}

/** Calls by local hour of day: quiet at night, peaks mid-morning and mid-afternoon. */
const HOURLY = [0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.6, 1.5, 3.5, 5, 5.5, 5, 3.5, 3.5, 4.5, 4.8, 4.5, 3.5, 2.5, 2, 1.6, 1.2, 0.8, 0.5];
/** Weekends bring fewer calls than weekdays. */
const WEEKDAY = { mon: 1.1, tue: 1, wed: 1, thu: 1, fri: 1, sat: 0.7, sun: 0.6 } as const;

/**
 * Instants in a month with the daily and hourly profile above: the local
 * start of every (day, hour) is converted once (fromLocalMinutes is slow),
 * then each draw picks an hour by weight and a second in it.
 */
export class MonthProfile {
  readonly #starts: number[] = [];
  readonly #cumulative: number[] = [];
  readonly #total: number;

  constructor(readonly month: Month, flatten = 0) {
    let sum = 0;
    for (const day of month.days) {
      for (let h = 0; h < 24; h++) {
        this.#starts.push(fromLocalMinutes(day, h * 60, month.timeZone).getTime());
        // flatten > 0 lifts the quiet hours (voicemails come at night too).
        sum += WEEKDAY[weekdayOf(day)] * (HOURLY[h]! + flatten);
        this.#cumulative.push(sum);
      }
    }
    this.#total = sum;
  }

  draw(r: Random): Date {
    const x = r.next() * this.#total;
    let lo = 0;
    let hi = this.#cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.#cumulative[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    const start = this.#starts[lo]!;
    const end = Math.min(this.#starts[lo + 1] ?? this.month.to.getTime(), this.month.to.getTime());
    return new Date(start + Math.floor(r.next() * (end - start)));
  }
}

export const addSeconds = (d: Date, s: number): Date => new Date(d.getTime() + Math.round(s * 1000));
