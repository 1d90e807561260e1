import type { CalendarConfig } from '../config/schema.ts';
import { greetingFor, serviceState, type ManualOverride } from '../routing/calendar.ts';

/** What a decision may look at: the time, the calendar and the day/night switch. */
export interface DecisionContext {
  now: Date;
  calendar: CalendarConfig;
  override: ManualOverride | null;
}

/**
 * A named function a flow can branch on (decide nodes) or choose prompts by
 * (prompt `select`). `outcomes` lists every value it can return, so start-up
 * can check that a flow covers them all.
 */
export interface Decision {
  outcomes(calendar: CalendarConfig): string[];
  decide(context: DecisionContext): string;
}

const GREETING_PERIODS = ['morning', 'noon', 'afternoon', 'evening'];
/**
 * Holiday greetings of the standard (SCR-13). Always possible outcomes, so a
 * flow stays valid for a calendar year that happens not to use one of them.
 */
export const STANDARD_HOLIDAY_GREETINGS = ['new-year', 'labour-day', 'mid-autumn', 'national-day'];

export const DECISIONS: Readonly<Record<string, Decision>> = {
  /** open: the service desk is staffed now (hours, holidays, make-up days, override). */
  'service-hours': {
    outcomes: () => ['open', 'closed'],
    decide: (c) => (serviceState(c.calendar, c.now, c.override).open ? 'open' : 'closed'),
  },
  /** The opening greeting: a holiday's own greeting, the weekend one, or by time of day (SCR-11..13). */
  greeting: {
    outcomes: (cal) => [
      ...GREETING_PERIODS,
      'weekend',
      'holiday',
      ...new Set([...STANDARD_HOLIDAY_GREETINGS, ...cal.holidays.flatMap((h) => (h.greeting ? [h.greeting] : []))]),
    ],
    decide: (c) => {
      const g = greetingFor(c.calendar, c.now);
      return g.special ?? g.period;
    },
  },
  /** The closing phrase (SCR-43/44/45): holiday, weekend, night or an ordinary day. */
  closing: {
    outcomes: () => ['weekday', 'weekend', 'holiday', 'night'],
    decide: (c) => {
      const g = greetingFor(c.calendar, c.now);
      if (g.special === 'weekend') return 'weekend';
      if (g.special !== null) return 'holiday';
      return g.period === 'evening' ? 'night' : 'weekday';
    },
  },
};
