import { describe, expect, it } from 'vitest';
import { computeFigures, type CallRow, type MonthRows, type TicketRow } from '../../../src/figures/kpi.ts';
import { parseMonth } from '../../../src/figures/month.ts';

const TZ = 'Asia/Shanghai';
const NOV = parseMonth('2026-11', TZ);
const at = (iso: string) => new Date(iso);
const call = (start: string, answerAfterS: number | null, emergency?: Partial<NonNullable<CallRow['emergency']>>): CallRow => ({
  startedAt: at(start),
  answeredAt: answerAfterS === null ? null : new Date(at(start).getTime() + answerAfterS * 1000),
  emergency: emergency ? { requestedAt: at(start), acceptedAt: null, acceptSeconds: null, abandonedAt: null, calledBack: false, ...emergency } : null,
});
const ticket = (id: string, category: TicketRow['category'], number: string, created: string, deadline: string, replied: string | null): TicketRow => ({
  id, category, callerNumber: number, createdAt: at(created), deadline: at(deadline), repliedAt: replied ? at(replied) : null,
});
const figure = (f: ReturnType<typeof computeFigures>, key: string) => f.figures.find((x) => x.key === key)!;

describe('the month in its time zone', () => {
  it('November 2026 in Shanghai starts at 16:00 UTC on 31 October and has 30 days', () => {
    expect(NOV.from.toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(NOV.to.toISOString()).toBe('2026-11-30T16:00:00.000Z');
    expect(NOV.days).toHaveLength(30);
    expect(() => parseMonth('2026-13', TZ)).toThrow(/YYYY-MM/);
  });
});

describe('monthly figures on a seeded month (hand-counted)', () => {
  // 10 calls: 7 answered at once, 1 answered after 61 s (over the 60 s rule), 1 after exactly 60 s, 1 never answered.
  // Emergencies: accepted after 12 s, 30 s and 20 s; one abandoned and called back.
  const calls: CallRow[] = [
    call('2026-11-02T01:00:00Z', 0), call('2026-11-02T02:00:00Z', 0), call('2026-11-02T03:00:00Z', 0),
    call('2026-11-03T01:00:00Z', 0, { acceptedAt: at('2026-11-03T01:00:12Z'), acceptSeconds: 12 }),
    call('2026-11-03T02:00:00Z', 0, { acceptedAt: at('2026-11-03T02:00:30Z'), acceptSeconds: 30 }),
    call('2026-11-03T03:00:00Z', 0, { acceptedAt: at('2026-11-03T03:00:20Z'), acceptSeconds: 20 }),
    call('2026-11-04T01:00:00Z', 0, { abandonedAt: at('2026-11-04T01:00:40Z'), calledBack: true }),
    call('2026-11-05T01:00:00Z', 61),
    call('2026-11-05T02:00:00Z', 60),
    call('2026-11-05T03:00:00Z', null),
  ];
  const tickets: TicketRow[] = [
    // consultations (billing/other): 4, 3 replied, 2 by their deadline
    ticket('c1', 'billing', '1391', '2026-11-02T01:00:00Z', '2026-11-04T01:00:00Z', '2026-11-03T01:00:00Z'),
    ticket('c2', 'other', '1392', '2026-11-02T01:00:00Z', '2026-11-04T01:00:00Z', '2026-11-05T01:00:00Z'),
    ticket('c3', 'other', '1393', '2026-11-02T01:00:00Z', '2026-11-04T01:00:00Z', '2026-11-04T01:00:00Z'),
    ticket('c4', 'billing', '1394', '2026-11-02T01:00:00Z', '2026-11-04T01:00:00Z', null),
    // complaints: 5 from 3 numbers. 1500: p1 then p2 while p1 was open (repeat), 1501: p3 replied and
    // rated unsatisfied, then p4 (repeat); 1502: p5 alone.
    ticket('p1', 'complaint', '1500', '2026-11-02T01:00:00Z', '2026-11-03T01:00:00Z', '2026-11-06T01:00:00Z'),
    ticket('p2', 'complaint', '1500', '2026-11-04T01:00:00Z', '2026-11-05T01:00:00Z', '2026-11-04T05:00:00Z'),
    ticket('p3', 'complaint', '1501', '2026-11-02T01:00:00Z', '2026-11-03T01:00:00Z', '2026-11-02T05:00:00Z'),
    ticket('p4', 'complaint', '1501', '2026-11-10T01:00:00Z', '2026-11-11T01:00:00Z', null),
    ticket('p5', 'complaint', '1502', '2026-11-10T01:00:00Z', '2026-11-11T01:00:00Z', '2026-11-10T02:00:00Z'),
    // repairs: 2, one reached by a confirmation call
    ticket('r1', 'repair', '1600', '2026-11-02T01:00:00Z', '2026-11-02T05:00:00Z', '2026-11-02T04:00:00Z'),
    ticket('r2', 'repair', '1601', '2026-11-02T01:00:00Z', '2026-11-02T05:00:00Z', null),
  ];
  const rows: MonthRows = {
    calls,
    tickets,
    surveys: [
      { ticketId: 'c1', satisfied: true }, { ticketId: 'c2', satisfied: false },
      { ticketId: 'p3', satisfied: false }, { ticketId: 'p2', satisfied: true }, { ticketId: 'p5', satisfied: true },
    ],
    callbacks: [
      { ticketId: 'p3', kind: 'survey', reached: true }, { ticketId: 'p2', kind: 'survey', reached: true },
      { ticketId: 'p5', kind: 'survey', reached: true }, { ticketId: 'p1', kind: 'survey', reached: false },
      { ticketId: 'r1', kind: 'repair-confirmation', reached: true }, { ticketId: 'r2', kind: 'repair-confirmation', reached: false },
    ],
  };
  const f = computeFigures(NOV, rows);

  it('KPI-01: answered within 60 s of all calls, the 61 s and the unanswered call out', () => {
    expect(figure(f, 'answerRate')).toMatchObject({ id: 'KPI-01', numerator: 8, denominator: 10, value: 0.8, met: false, target: { kind: 'at-least', value: 0.9 } });
  });

  it('KPI-03/05: consultation replies and timely replies', () => {
    expect(figure(f, 'consultationReplyRate')).toMatchObject({ numerator: 3, denominator: 4, value: 0.75, met: false });
    expect(figure(f, 'consultationTimelyRate')).toMatchObject({ numerator: 2, denominator: 4, value: 0.5 });
  });

  it('KPI-04/05: complaint replies and timely replies', () => {
    expect(figure(f, 'complaintReplyRate')).toMatchObject({ numerator: 4, denominator: 5, value: 0.8 });
    // p1 after its deadline, p4 never; p2, p3, p5 in time
    expect(figure(f, 'complaintTimelyRate')).toMatchObject({ numerator: 3, denominator: 5, value: 0.6 });
  });

  it('KPI-06: repeat complaints ÷ (complaints − repeats)', () => {
    expect(figure(f, 'repeatComplaintRate')).toMatchObject({ numerator: 2, denominator: 3, met: false });
    expect(figure(f, 'repeatComplaintRate').value).toBeCloseTo(2 / 3);
  });

  it('KPI-08/09: satisfied answers over all tickets of the kind', () => {
    expect(figure(f, 'consultationSatisfaction')).toMatchObject({ numerator: 1, denominator: 4, value: 0.25 });
    expect(figure(f, 'complaintSatisfaction')).toMatchObject({ numerator: 2, denominator: 5, value: 0.4, met: false });
  });

  it('CB-04: callback rates per kind; new supply has no data', () => {
    expect(figure(f, 'complaintCallbackRate')).toMatchObject({ numerator: 3, denominator: 5, value: 0.6 });
    expect(figure(f, 'repairCallbackRate')).toMatchObject({ numerator: 1, denominator: 2, value: 0.5 });
    expect(figure(f, 'newSupplyCallbackRate')).toMatchObject({ value: null, met: null });
  });

  it('the emergency line: count, accepted, time to accept p50/p90/max, abandoned, called back', () => {
    expect(f.emergency).toEqual({ calls: 4, accepted: 3, acceptSeconds: { p50: 20, p90: 30, max: 30 }, abandoned: 1, calledBack: 1 });
  });

  it('the day-by-day series of answer rate and accept time, in local days', () => {
    expect(f.days).toHaveLength(30);
    expect(f.days.find((d) => d.date === '2026-11-03')).toEqual({ date: '2026-11-03', calls: 3, answered: 3, answerRate: 1, emergencies: 3, acceptP50: 20 });
    expect(f.days.find((d) => d.date === '2026-11-05')).toMatchObject({ calls: 3, answered: 1 });
    expect(f.days.find((d) => d.date === '2026-11-20')).toEqual({ date: '2026-11-20', calls: 0, answered: 0, answerRate: null, emergencies: 0, acceptP50: null });
  });
});

describe('a month without data', () => {
  it('says no data, never 0 % or 100 %', () => {
    const f = computeFigures(NOV, { calls: [], tickets: [], surveys: [], callbacks: [] });
    for (const x of f.figures) expect(x).toMatchObject({ value: null, met: null });
    expect(f.emergency).toEqual({ calls: 0, accepted: 0, acceptSeconds: null, abandoned: 0, calledBack: 0 });
  });

  it('satisfaction without any survey answered is no data even with tickets', () => {
    const f = computeFigures(NOV, { calls: [], tickets: [ticket('c1', 'other', '1', '2026-11-02T01:00:00Z', '2026-11-04T01:00:00Z', null)], surveys: [], callbacks: [] });
    expect(figure(f, 'consultationSatisfaction')).toMatchObject({ value: null, denominator: 1 });
    expect(figure(f, 'consultationReplyRate')).toMatchObject({ value: 0, met: false });
  });
});
