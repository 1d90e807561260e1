import { describe, expect, it } from 'vitest';
import type { ManualOverride } from '../../../src/calendar/calendar.ts';
import type { CalendarConfig } from '../../../src/config/schema.ts';
import { calendarDecisions } from '../../../src/routing/decisions.ts';
import { testConfig } from '../../support/hotline-harness.ts';

/** The calendar of config/hotline.yaml: Mon–Fri 08–20, Sat 09–17, Sun closed, the 2026 holidays and make-up days. */
const calendar = testConfig().calendar;

/**
 * The decisions by name, asked with any calendar and override: each question
 * builds the calendar's decisions as the routing feature does.
 */
const DECISIONS = Object.fromEntries(
  Object.keys(calendarDecisions(calendar, () => null)).map((name) => [
    name,
    {
      outcomes: (cal: CalendarConfig) => calendarDecisions(cal, () => null)[name]!.outcomes(),
      decide: (c: { now: Date; calendar: CalendarConfig; override: ManualOverride | null }) =>
        calendarDecisions(c.calendar, () => c.override)[name]!.decide(c.now),
    },
  ]),
);

/** Local Shanghai wall time, e.g. '2026-11-24T10:00'. */
const at = (local: string) => new Date(`${local}:00+08:00`);

const decide = (fn: string, local: string, override: ManualOverride | null = null) =>
  DECISIONS[fn]!.decide({ now: at(local), calendar, override });

describe('service-hours', () => {
  it.each([
    ['2026-11-24T10:00', 'open', 'Tuesday morning'],
    ['2026-11-24T07:59', 'closed', 'before opening'],
    ['2026-11-24T08:00', 'open', 'at opening'],
    ['2026-11-24T19:59', 'open', 'just before closing'],
    ['2026-11-24T20:00', 'closed', 'at closing (end exclusive)'],
    ['2026-11-24T23:00', 'closed', 'night'],
    ['2026-11-28T10:00', 'open', 'Saturday within 09–17'],
    ['2026-11-28T18:00', 'closed', 'Saturday evening'],
    ['2026-11-29T10:00', 'closed', 'Sunday'],
    ['2026-10-01T10:00', 'closed', 'National Day (a Thursday)'],
    ['2026-10-10T18:00', 'open', 'make-up Saturday: Monday hours, open until 20:00'],
    ['2026-02-14T08:30', 'open', 'make-up Saturday in spring'],
  ])('%s is %s (%s)', (local, expected) => {
    expect(decide('service-hours', local)).toBe(expected);
  });

  describe('the day/night override', () => {
    const night = (untilLocal: string): ManualOverride => ({ mode: 'night', until: at(untilLocal) });
    const day = (untilLocal: string): ManualOverride => ({ mode: 'day', until: at(untilLocal) });

    it('night mode closes the line during business hours until `until` (exclusive)', () => {
      expect(decide('service-hours', '2026-11-24T10:00', night('2026-11-24T12:00'))).toBe('closed');
      expect(decide('service-hours', '2026-11-24T11:59', night('2026-11-24T12:00'))).toBe('closed');
      expect(decide('service-hours', '2026-11-24T12:00', night('2026-11-24T12:00'))).toBe('open');
    });

    it('day mode opens the line at night and on holidays', () => {
      expect(decide('service-hours', '2026-11-24T23:00', day('2026-11-25T08:00'))).toBe('open');
      expect(decide('service-hours', '2026-10-01T10:00', day('2026-10-01T18:00'))).toBe('open');
    });

    it('an override that has expired is ignored', () => {
      expect(decide('service-hours', '2026-11-24T23:00', day('2026-11-24T22:00'))).toBe('closed');
      expect(decide('service-hours', '2026-11-24T10:00', night('2026-11-24T09:00'))).toBe('open');
    });
  });
});

describe('greeting', () => {
  it.each([
    ['2026-11-24T06:00', 'morning'],
    ['2026-11-24T10:59', 'morning'],
    ['2026-11-24T11:00', 'noon'],
    ['2026-11-24T15:00', 'afternoon'],
    ['2026-11-24T18:00', 'evening'],
    ['2026-11-24T23:00', 'evening'],
    ['2026-11-25T03:00', 'evening'],
    ['2026-11-28T10:00', 'weekend'],
    ['2026-11-29T21:00', 'weekend'],
    ['2026-10-01T10:00', 'national-day'],
    ['2026-02-17T12:00', 'new-year'],
    ['2026-05-01T09:00', 'labour-day'],
    ['2026-09-25T19:00', 'mid-autumn'],
    ['2026-04-05T09:00', 'holiday'],
    ['2026-06-20T09:00', 'holiday'],
    // A make-up working day is greeted like any working day, not as a weekend.
    ['2026-10-10T09:00', 'morning'],
  ])('%s → %s', (local, expected) => {
    expect(decide('greeting', local)).toBe(expected);
  });

  it('the override does not change the greeting', () => {
    expect(decide('greeting', '2026-11-24T10:00', { mode: 'night', until: at('2026-11-25T00:00') })).toBe('morning');
  });

  it('lists the periods, weekend, holiday and each holiday greeting once', () => {
    const standard = ['morning', 'noon', 'afternoon', 'evening', 'weekend', 'holiday', 'new-year', 'labour-day', 'mid-autumn', 'national-day'];
    expect(DECISIONS.greeting!.outcomes(calendar)).toEqual(standard);
    // The standard's holiday greetings stay possible in a year whose calendar uses none of them.
    expect(DECISIONS.greeting!.outcomes({ ...calendar, holidays: [] })).toEqual(standard);
    // A greeting of the calendar's own is added to them.
    const withDragonBoat = { ...calendar, holidays: [...calendar.holidays, { date: '2026-06-19', name: '端午节', greeting: 'dragon-boat' }] };
    expect(DECISIONS.greeting!.outcomes(withDragonBoat)).toEqual([...standard, 'dragon-boat']);
  });
});

describe('closing', () => {
  it.each([
    ['2026-11-24T10:00', 'weekday'],
    ['2026-11-24T17:59', 'weekday'],
    ['2026-11-24T18:00', 'night'],
    ['2026-11-25T04:00', 'night'],
    ['2026-11-28T10:00', 'weekend'],
    ['2026-11-29T22:00', 'weekend'],
    ['2026-10-01T10:00', 'holiday'],
    ['2026-04-05T22:00', 'holiday'],
    ['2026-10-10T10:00', 'weekday'],
    ['2026-10-10T19:00', 'night'],
  ])('%s → %s', (local, expected) => {
    expect(decide('closing', local)).toBe(expected);
  });
});

describe('every decision returns only outcomes it declares', () => {
  it('across the whole of 2026, every 3 hours, with and without an override', () => {
    const start = at('2026-01-01T00:00').getTime();
    const end = at('2027-01-01T00:00').getTime();
    for (const [name, decision] of Object.entries(DECISIONS)) {
      const outcomes = new Set(decision.outcomes(calendar));
      const seen = new Set<string>();
      for (let t = start; t < end; t += 3 * 3600_000) {
        for (const override of [null, { mode: 'day' as const, until: new Date(t + 3600_000) }]) {
          const outcome = decision.decide({ now: new Date(t), calendar, override });
          expect(outcomes.has(outcome), `${name} at ${new Date(t).toISOString()}: ${outcome}`).toBe(true);
          seen.add(outcome);
        }
      }
      // The year's calendar reaches every declared outcome.
      expect([...seen].sort(), name).toEqual([...outcomes].sort());
    }
  });
});
