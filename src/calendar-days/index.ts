import type { Feature, ServiceBase } from '../feature.ts';
import { CalendarDaysRepository } from './calendar-days-repository.ts';
import { CalendarStore } from './calendar-store.ts';
import { calendarDaysRoutes } from './routes.ts';

export { CalendarStore, mergeCalendar, missingHolidayYears } from './calendar-store.ts';
export { parseIcal } from './ical.ts';

export interface CalendarDays extends Feature {
  /** The calendar in force (store.current()): config ∪ the database's days, reloaded every minute. */
  store: CalendarStore;
}

/** How often the days are read again (changes by another instance, or straight in the database). */
export const RELOAD_MS = 60_000;

/**
 * The calendar stays true: public holidays and make-up working days kept in
 * the database beside the configured ones, entered by a supervisor or
 * imported from iCalendar; a health field and a daily warning when a year
 * that begins within 60 days has no holiday at all.
 */
export function createCalendarDays(base: Pick<ServiceBase, 'config' | 'db' | 'log' | 'clock'>, options: { reloadMs?: number } = {}): CalendarDays {
  const { config, db, clock } = base;
  const log = base.log.child({ component: 'calendar-days' });
  const store = new CalendarStore({ calendar: config.calendar, repository: new CalendarDaysRepository(db.pool), clock, log, ready: () => db.whenMigrated() });
  // Read the days as soon as the database allows, then say at once whether a year ahead is missing.
  void db.ready
    .then(() => store.refresh(), () => undefined)
    .then(() => store.checkAhead());
  return {
    name: 'calendar-days',
    store,
    routes: (app) => calendarDaysRoutes(app, { store, clock, timezone: config.calendar.timezone }),
    workers: [{ name: 'calendar days', start: () => store.startPolling(options.reloadMs ?? RELOAD_MS), stop: async () => store.stop() }],
    health: [{ name: 'calendarAhead', read: () => { const missingYears = store.missingYears(); return { ok: missingYears.length === 0, missingYears }; } }],
  };
}
