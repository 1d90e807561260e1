import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { acceptanceTime, CATEGORY_RULES, deadlineFor, LEVEL_RULES, ruleFor } from '../../../src/tickets/deadline.ts';
import type { TicketCategory } from '../../../src/tickets/ticket.ts';

/** The calendar of config/hotline.yaml: Mon–Fri 08–20, Sat 09–17, Sun closed, the 2026 holidays and make-up days. */
const cal = loadConfig({}).calendar;

/** An instant as Shanghai wall time: sh('2026-11-24 23:00') or with seconds. */
function sh(local: string): Date {
  const [date, time] = local.split(' ');
  return new Date(`${date}T${time!.length === 5 ? `${time}:00` : time}+08:00`);
}

function dl(category: TicketCategory, level: number | null, received: string) {
  const { acceptedAt, deadline } = deadlineFor(cal, category, level, sh(received));
  return { acceptedAt: acceptedAt.toISOString(), deadline: deadline.toISOString() };
}

const iso = (local: string) => sh(local).toISOString();

describe('deadline rules', () => {
  it('complaints by level (CMP-02…05), repair by working days, billing and other 48 h', () => {
    expect(LEVEL_RULES).toEqual({ 1: { hours: 2 }, 2: { hours: 48 }, 3: { workingDays: 4 }, 4: { workingDays: 7 } });
    expect(CATEGORY_RULES).toEqual({ repair: { workingDays: 3 }, billing: { hours: 48 }, other: { hours: 48 } });
    // Not yet classified: the strictest level.
    expect(ruleFor('complaint', null)).toEqual({ hours: 2 });
    expect(ruleFor('complaint', 4)).toEqual({ workingDays: 7 });
    // The level of a non-complaint plays no part.
    expect(ruleFor('repair', 1)).toEqual({ workingDays: 3 });
  });

  it('the calendar is the one of config/hotline.yaml', () => {
    expect(cal.timezone).toBe('Asia/Shanghai');
    expect(cal.holidays.map((h) => h.date)).toContain('2026-10-07');
    expect(cal.makeupWorkdays.map((m) => m.date)).toEqual(expect.arrayContaining(['2026-09-20', '2026-10-10']));
  });
});

describe('deadlineFor: a message left while the desk is open (Tue 2026-11-24 10:00)', () => {
  const at = '2026-11-24 10:00';

  it('is accepted at once', () => {
    expect(acceptanceTime(cal, sh(at)).toISOString()).toBe(iso(at));
  });

  it.each([
    [1, '2026-11-24 12:00'],
    [2, '2026-11-26 10:00'],
    // Wed 25, Thu 26, Fri 27, (Sat, Sun), Mon 30
    [3, '2026-11-30 10:00'],
    // … Tue 1, Wed 2, Thu 3 December
    [4, '2026-12-03 10:00'],
  ])('complaint level %i → %s', (level, due) => {
    expect(dl('complaint', level, at)).toEqual({ acceptedAt: iso(at), deadline: iso(due) });
  });

  it('an unclassified complaint is held to level 1 (2 h)', () => {
    expect(dl('complaint', null, at).deadline).toBe(iso('2026-11-24 12:00'));
  });

  it('repair: 3 working days from the day after (Wed, Thu, Fri)', () => {
    expect(dl('repair', null, at).deadline).toBe(iso('2026-11-27 10:00'));
  });

  it('billing and other: 48 h', () => {
    expect(dl('billing', null, at).deadline).toBe(iso('2026-11-26 10:00'));
    expect(dl('other', null, at).deadline).toBe(iso('2026-11-26 10:00'));
  });

  it('keeps seconds and milliseconds to the exact instant', () => {
    expect(dl('complaint', 1, '2026-11-24 10:00:30.250')).toEqual({
      acceptedAt: '2026-11-24T02:00:30.250Z',
      deadline: '2026-11-24T04:00:30.250Z',
    });
    expect(dl('repair', null, '2026-11-24 10:00:30.250').deadline).toBe('2026-11-27T02:00:30.250Z');
  });

  it('a 2 h deadline may run past closing time: hours run from acceptance', () => {
    expect(dl('complaint', 1, '2026-11-24 19:30')).toEqual({ acceptedAt: iso('2026-11-24 19:30'), deadline: iso('2026-11-24 21:30') });
  });
});

describe('deadlineFor: a message left out of hours is accepted at the next opening', () => {
  it('Tue 2026-11-24 23:00 → Wed 08:00', () => {
    expect(dl('complaint', 1, '2026-11-24 23:00')).toEqual({ acceptedAt: iso('2026-11-25 08:00'), deadline: iso('2026-11-25 10:00') });
    expect(dl('complaint', 2, '2026-11-24 23:00').deadline).toBe(iso('2026-11-27 08:00'));
    // Thu 26, Fri 27, Mon 30
    expect(dl('repair', null, '2026-11-24 23:00')).toEqual({ acceptedAt: iso('2026-11-25 08:00'), deadline: iso('2026-11-30 08:00') });
    expect(dl('billing', null, '2026-11-24 23:00').deadline).toBe(iso('2026-11-27 08:00'));
  });

  it('the opening and closing instants: 08:00 is open, 20:00 is closed, 07:59 waits a minute', () => {
    expect(dl('complaint', 1, '2026-11-25 08:00').acceptedAt).toBe(iso('2026-11-25 08:00'));
    expect(dl('complaint', 1, '2026-11-24 20:00').acceptedAt).toBe(iso('2026-11-25 08:00'));
    expect(dl('complaint', 1, '2026-11-24 19:59:59').acceptedAt).toBe(iso('2026-11-24 19:59:59'));
    expect(dl('complaint', 1, '2026-11-25 07:59').acceptedAt).toBe(iso('2026-11-25 08:00'));
  });

  it('Saturday is open 09–17 (not a working day), Sunday closed', () => {
    expect(dl('complaint', 1, '2026-11-28 08:30').acceptedAt).toBe(iso('2026-11-28 09:00'));
    expect(dl('complaint', 1, '2026-11-28 16:00')).toEqual({ acceptedAt: iso('2026-11-28 16:00'), deadline: iso('2026-11-28 18:00') });
    // Saturday after 17:00 and all of Sunday wait for Monday 08:00.
    expect(dl('complaint', 1, '2026-11-28 17:00').acceptedAt).toBe(iso('2026-11-30 08:00'));
    expect(dl('complaint', 1, '2026-11-29 12:00').acceptedAt).toBe(iso('2026-11-30 08:00'));
    // A repair accepted on Saturday counts Mon, Tue, Wed.
    expect(dl('repair', null, '2026-11-28 16:00').deadline).toBe(iso('2026-12-02 16:00'));
  });

  describe('National Day week 2026-10-01…07 (make-up working days Sun 09-20 and Sat 10-10)', () => {
    const eve = '2026-09-30 21:00'; // Wednesday, after closing

    it('the eve of the holiday → Thu 2026-10-08 08:00', () => {
      expect(dl('complaint', 1, eve)).toEqual({ acceptedAt: iso('2026-10-08 08:00'), deadline: iso('2026-10-08 10:00') });
      expect(dl('complaint', 2, eve).deadline).toBe(iso('2026-10-10 08:00'));
      // Fri 9, Sat 10 (make-up), (Sun 11), Mon 12, Tue 13
      expect(dl('complaint', 3, eve).deadline).toBe(iso('2026-10-13 08:00'));
      // … Wed 14, Thu 15, Fri 16
      expect(dl('complaint', 4, eve).deadline).toBe(iso('2026-10-16 08:00'));
      // Fri 9, Sat 10 (make-up), Mon 12
      expect(dl('repair', null, eve).deadline).toBe(iso('2026-10-12 08:00'));
    });

    it('a message in the middle of the holiday waits for its end', () => {
      expect(dl('other', null, '2026-10-03 10:00')).toEqual({ acceptedAt: iso('2026-10-08 08:00'), deadline: iso('2026-10-10 08:00') });
    });

    it('a message before closing on the eve is accepted at once; working days skip the whole week', () => {
      // Wed 30 Sep 19:00: Thu 8, Fri 9, Sat 10 (make-up), Mon 12
      expect(dl('complaint', 3, '2026-09-30 19:00')).toEqual({
        acceptedAt: iso('2026-09-30 19:00'),
        deadline: iso('2026-10-12 19:00'),
      });
    });

    it('a make-up Saturday keeps Monday hours (08:00, not 09:00)', () => {
      expect(dl('complaint', 1, '2026-10-10 08:30').acceptedAt).toBe(iso('2026-10-10 08:30'));
      expect(dl('complaint', 1, '2026-10-10 07:00').acceptedAt).toBe(iso('2026-10-10 08:00'));
      expect(dl('complaint', 1, '2026-10-10 19:00').acceptedAt).toBe(iso('2026-10-10 19:00'));
    });

    it('a make-up Sunday (09-20) is open and counts as a working day', () => {
      // Accepted on the make-up Sunday: Mon 21, Tue 22, Wed 23
      expect(dl('repair', null, '2026-09-20 10:00')).toEqual({ acceptedAt: iso('2026-09-20 10:00'), deadline: iso('2026-09-23 10:00') });
      // Accepted the Friday before: Sun 20 (make-up), Mon 21, Tue 22
      expect(dl('repair', null, '2026-09-18 10:00').deadline).toBe(iso('2026-09-22 10:00'));
      // A Saturday evening before the make-up Sunday waits for Sunday 08:00.
      expect(dl('complaint', 1, '2026-09-19 18:00').acceptedAt).toBe(iso('2026-09-20 08:00'));
    });
  });

  it('Mid-Autumn 09-25…27 followed by National Day: working days skip both', () => {
    // Thu 24 Sep 21:00 → Mon 28 08:00
    expect(dl('complaint', 1, '2026-09-24 21:00').acceptedAt).toBe(iso('2026-09-28 08:00'));
    // Thu 24 Sep 19:00: Mon 28, Tue 29, Wed 30, Thu 8 Oct
    expect(dl('complaint', 3, '2026-09-24 19:00').deadline).toBe(iso('2026-10-08 19:00'));
    expect(dl('repair', null, '2026-09-24 19:00').deadline).toBe(iso('2026-09-30 19:00'));
  });

  it('New Year: 2025-12-31 after closing → the make-up Sunday 2026-01-04 08:00', () => {
    expect(dl('complaint', 1, '2025-12-31 21:00')).toEqual({ acceptedAt: iso('2026-01-04 08:00'), deadline: iso('2026-01-04 10:00') });
  });
});
