import type { CalendarConfig } from '../../../src/config/schema.ts';
import { loadConfig } from '../../../src/config/load-config.ts';

/** The demo calendar exactly as the service loads it (config/hotline.yaml, 2026 holidays). */
export function demoCalendar(): CalendarConfig {
  return loadConfig({}).calendar;
}

type Weekly = CalendarConfig['weekly'];

/** A calendar with only the given weekly hours: no holidays, no make-up days, default greetings. */
export function weeklyCalendar(weekly: Partial<Weekly>, timezone = 'Asia/Shanghai'): CalendarConfig {
  return {
    timezone,
    weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [], ...weekly },
    holidays: [],
    makeupWorkdays: [],
    greetingPeriods: { morning: '05:00', noon: '11:00', afternoon: '13:00', evening: '18:00' },
  };
}

/** The same hours on every day of the week. */
export function everyDay(hours: string[], timezone = 'Asia/Shanghai'): CalendarConfig {
  return weeklyCalendar({ mon: hours, tue: hours, wed: hours, thu: hours, fri: hours, sat: hours, sun: hours }, timezone);
}

/** An instant given as local Shanghai wall time, e.g. at('2026-11-24T08:00'). */
export function at(localShanghai: string): Date {
  return new Date(`${localShanghai}:00+08:00`);
}
