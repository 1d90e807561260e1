import type { CalendarConfig } from '../config/schema.ts';
import { greetingFor, serviceState, type ManualOverride } from '../calendar/calendar.ts';
import type { Decisions } from '../ivr/decisions.ts';

const GREETING_PERIODS = ['morning', 'noon', 'afternoon', 'evening'];
/**
 * Holiday greetings of the standard (SCR-13). Always possible outcomes, so a
 * flow stays valid for a calendar year that happens not to use one of them.
 */
export const STANDARD_HOLIDAY_GREETINGS = ['new-year', 'labour-day', 'mid-autumn', 'national-day'];

/**
 * The calendar's decisions for flows: service hours (with the day/night
 * switch), the greeting and the closing phrase. `override` is read at every
 * decision, so a supervisor's switch takes effect on the next call.
 */
export function calendarDecisions(source: CalendarSource, override: () => ManualOverride | null): Decisions {
  const current = calendarGetter(source);
  // Greetings the flow may select: the configured ones (days added at run time only reuse these).
  const calendar = current();
  return {
    /** open: the service desk is staffed now (hours, holidays, make-up days, override). */
    'service-hours': {
      outcomes: () => ['open', 'closed'],
      decide: (now) => (serviceState(current(), now, override()).open ? 'open' : 'closed'),
    },
    /** The opening greeting: a holiday's own greeting, the weekend one, or by time of day (SCR-11..13). */
    greeting: {
      outcomes: () => [
        ...GREETING_PERIODS,
        'weekend',
        'holiday',
        ...new Set([...STANDARD_HOLIDAY_GREETINGS, ...calendar.holidays.flatMap((h) => (h.greeting ? [h.greeting] : []))]),
      ],
      decide: (now) => {
        const g = greetingFor(current(), now);
        return g.special ?? g.period;
      },
    },
    /** The closing phrase (SCR-43/44/45): holiday, weekend, night or an ordinary day. */
    closing: {
      outcomes: () => ['weekday', 'weekend', 'holiday', 'night'],
      decide: (now) => {
        const g = greetingFor(current(), now);
        if (g.special === 'weekend') return 'weekend';
        if (g.special !== null) return 'holiday';
        return g.period === 'evening' ? 'night' : 'weekday';
      },
    },
  };
}

/** The calendar as it is now: a fixed one, or one staff maintain at run time (holidays added in the console). */
export type CalendarSource = CalendarConfig | (() => CalendarConfig);

export function calendarGetter(source: CalendarSource): () => CalendarConfig {
  return typeof source === 'function' ? source : () => source;
}
