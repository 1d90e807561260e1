import { describe, expect, it } from 'vitest';
import { calendarProblems } from '../../../src/calendar/calendar-check.ts';
import { demoCalendar } from './calendars.ts';

describe('calendarProblems', () => {
  it('finds nothing wrong with the demo calendar', () => {
    expect(calendarProblems(demoCalendar())).toEqual([]);
  });

  it('reports dates that do not exist, duplicates and clashes', () => {
    const cal = demoCalendar();
    const broken = {
      ...cal,
      holidays: [...cal.holidays, { date: '2026-02-30', name: '假' }, { date: '2026-10-01', name: '国庆节' }],
      makeupWorkdays: [
        { date: '2026-10-02' },
        { date: '2026-10-12' },
        { date: '2026-10-10', hours: ['17:00-09:00'] },
        { date: '2026-13-01' },
      ],
      greetingPeriods: { morning: '05:00', noon: '12:00', afternoon: '12:00', evening: '18:00' },
    };
    expect(calendarProblems(broken)).toEqual([
      'calendar.holidays: "2026-02-30" is not a date',
      'calendar.holidays: 2026-10-01 is listed twice',
      'calendar.makeupWorkdays 2026-10-02: is also a holiday (the holiday wins, the line stays closed)',
      'calendar.makeupWorkdays 2026-10-02: is a fri, not a Saturday or Sunday',
      'calendar.makeupWorkdays 2026-10-12: is a mon, not a Saturday or Sunday',
      'calendar.makeupWorkdays 2026-10-10: "17:00-09:00" ends before it starts',
      'calendar.makeupWorkdays: "2026-13-01" is not a date',
      'calendar.greetingPeriods: two periods start at the same time',
    ]);
  });
});
