import type { Category } from '../domain/category.ts';
import { fromLocalMinutes } from '../calendar/local-time.ts';
import type { Month } from './month.ts';

/**
 * The service standard's monthly figures (KPI-01…09, CB-04, the emergency
 * line), computed from rows of one calendar month. Pure: the repository
 * loads the rows, this counts them. Every figure carries its numerator,
 * denominator and target; one without data says so (value null), never 0 %
 * or 100 %.
 */

/** One call that reached the hotline (the application's record or Asterisk's CDR of a dialplan-only call). */
export interface CallRow {
  startedAt: Date;
  answeredAt: Date | null;
  emergency: {
    requestedAt: Date;
    acceptedAt: Date | null;
    acceptSeconds: number | null;
    abandonedAt: Date | null;
    calledBack: boolean;
  } | null;
}

export interface TicketRow {
  id: string;
  category: Category;
  callerNumber: string;
  createdAt: Date;
  deadline: Date;
  /** The first time the ticket was resolved or closed: the customer had their answer. */
  repliedAt: Date | null;
}

export interface SurveyRow {
  ticketId: string | null;
  satisfied: boolean;
}

export interface CallbackRow {
  ticketId: string | null;
  kind: string;
  /** The customer was reached (the job ended done or opted out after answering). */
  reached: boolean;
}

export interface MonthRows {
  calls: CallRow[];
  tickets: TicketRow[];
  surveys: SurveyRow[];
  callbacks: CallbackRow[];
}

export interface Target {
  /** 'at-least': the value must reach it; 'at-most': stay under it. */
  kind: 'at-least' | 'at-most';
  value: number;
}

export interface Figure {
  id: string;
  /** Stable key for clients (answerRate, …). */
  key: string;
  numerator: number;
  denominator: number;
  /** numerator ÷ denominator (0…1); null when there is no data. */
  value: number | null;
  target: Target;
  /** Whether the target is met; null without data. */
  met: boolean | null;
  /** How it is counted, where the standard leaves a choice. */
  note?: string;
}

export interface EmergencyFigures {
  calls: number;
  accepted: number;
  /** Seconds from pressing 1 to the officer's acceptance, of accepted calls; null without any. */
  acceptSeconds: { p50: number; p90: number; max: number } | null;
  abandoned: number;
  calledBack: number;
}

export interface DayFigures {
  date: string;
  calls: number;
  answered: number;
  answerRate: number | null;
  emergencies: number;
  /** Median seconds to accept the day's emergency calls; null without any accepted. */
  acceptP50: number | null;
}

export interface MonthlyFigures {
  month: string;
  timeZone: string;
  figures: Figure[];
  emergency: EmergencyFigures;
  days: DayFigures[];
}

/** ANS-03 / KPI-01: a caller who waited more than this unanswered counts as unanswered. */
export const ANSWER_WITHIN_S = 60;

/** Consultations in the ticket categories (billing questions and everything else); complaints; repairs. */
const CONSULTATION: readonly Category[] = ['billing', 'other'];

export function computeFigures(month: Month, rows: MonthRows): MonthlyFigures {
  const answered = rows.calls.filter(answeredInTime);
  const consultations = rows.tickets.filter((t) => CONSULTATION.includes(t.category));
  const complaints = rows.tickets.filter((t) => t.category === 'complaint');
  const repairs = rows.tickets.filter((t) => t.category === 'repair');
  const repeats = repeatComplaints(complaints, rows.surveys);
  const surveysOf = (tickets: TicketRow[]) => {
    const ids = new Set(tickets.map((t) => t.id));
    return rows.surveys.filter((s) => s.ticketId !== null && ids.has(s.ticketId));
  };
  const reachedFor = (tickets: TicketRow[]) => {
    const reached = new Set(rows.callbacks.filter((c) => c.reached && c.ticketId).map((c) => c.ticketId));
    return tickets.filter((t) => reached.has(t.id)).length;
  };
  const replied = (ts: TicketRow[]) => ts.filter((t) => t.repliedAt !== null);
  const timely = (ts: TicketRow[]) => ts.filter((t) => t.repliedAt !== null && t.repliedAt <= t.deadline);
  const consultSurveys = surveysOf(consultations);
  const complaintSurveys = surveysOf(complaints);

  const figures: Figure[] = [
    rate('KPI-01', 'answerRate', answered.length, rows.calls.length, atLeast(0.9), `a call counts as answered when the hotline answered it within ${ANSWER_WITHIN_S} s of its arrival (ANS-03)`),
    rate('KPI-03', 'consultationReplyRate', replied(consultations).length, consultations.length, atLeast(1), 'consultations: billing and other tickets; replied: resolved or closed'),
    rate('KPI-04', 'complaintReplyRate', replied(complaints).length, complaints.length, atLeast(1)),
    rate('KPI-05', 'consultationTimelyRate', timely(consultations).length, consultations.length, atLeast(1), "replied by the ticket's deadline"),
    rate('KPI-05', 'complaintTimelyRate', timely(complaints).length, complaints.length, atLeast(1), "replied by the ticket's deadline"),
    {
      ...rate('KPI-06', 'repeatComplaintRate', repeats, complaints.length - repeats, atMost(0.01),
        'a repeat: a complaint from the same number in the month while an earlier complaint of it was unanswered, or answered and rated unsatisfied'),
      ...(complaints.length === 0 ? { value: null, met: null } : {}),
    },
    withSurveys(rate('KPI-08', 'consultationSatisfaction', consultSurveys.filter((s) => s.satisfied).length, consultations.length, atLeast(0.95)), consultSurveys.length),
    withSurveys(rate('KPI-09', 'complaintSatisfaction', complaintSurveys.filter((s) => s.satisfied).length, complaints.length, atLeast(0.9)), complaintSurveys.length),
    rate('CB-04', 'complaintCallbackRate', reachedFor(complaints), complaints.length, atLeast(1), 'complaints whose customer was reached by a callback (survey or confirmation)'),
    rate('CB-04', 'repairCallbackRate', reachedFor(repairs), repairs.length, atLeast(1), 'repairs whose customer was reached by a callback'),
    { ...rate('CB-04', 'newSupplyCallbackRate', 0, 0, atLeast(1)), note: 'no data: the hotline has no new-supply tickets (connections are not taken on this line)' },
  ];
  return { month: month.id, timeZone: month.timeZone, figures, emergency: emergencyFigures(rows.calls), days: dailySeries(month, rows.calls) };
}

function answeredInTime(c: CallRow): boolean {
  return c.answeredAt !== null && (c.answeredAt.getTime() - c.startedAt.getTime()) / 1000 <= ANSWER_WITHIN_S;
}

const atLeast = (value: number): Target => ({ kind: 'at-least', value });
const atMost = (value: number): Target => ({ kind: 'at-most', value });

function rate(id: string, key: string, numerator: number, denominator: number, target: Target, note?: string): Figure {
  const value = denominator > 0 ? numerator / denominator : null;
  const met = value === null ? null : target.kind === 'at-least' ? value >= target.value : value <= target.value;
  return { id, key, numerator, denominator, value, target, met, ...(note ? { note } : {}) };
}

/** Satisfaction is over all tickets of the kind (the standard's denominator), but with no survey answered there is no data. */
function withSurveys(f: Figure, surveyed: number): Figure {
  const note = `satisfied survey answers ÷ all tickets of the kind; ${surveyed} surveyed`;
  return surveyed === 0 ? { ...f, value: null, met: null, note } : { ...f, note };
}

/**
 * KPI-07: a complaint made again about one already accepted or answered,
 * because no answer came in time or the customer was not satisfied. Seen as:
 * a complaint from a number that complained earlier in the month, where that
 * earlier complaint was not yet replied to when the new one came, or was
 * replied to and its survey says unsatisfied.
 */
function repeatComplaints(complaints: TicketRow[], surveys: SurveyRow[]): number {
  const unsatisfied = new Set(surveys.filter((s) => !s.satisfied && s.ticketId).map((s) => s.ticketId));
  const byNumber = new Map<string, TicketRow[]>();
  for (const t of [...complaints].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime())) {
    if (!t.callerNumber) continue;
    const list = byNumber.get(t.callerNumber) ?? [];
    list.push(t);
    byNumber.set(t.callerNumber, list);
  }
  let repeats = 0;
  for (const list of byNumber.values()) {
    list.forEach((t, i) => {
      const earlier = list.slice(0, i);
      const again = earlier.some((e) => e.repliedAt === null || e.repliedAt > t.createdAt || unsatisfied.has(e.id));
      if (again) repeats++;
    });
  }
  return repeats;
}

function emergencyFigures(calls: CallRow[]): EmergencyFigures {
  const emergencies = calls.flatMap((c) => (c.emergency ? [c.emergency] : []));
  const accepted = emergencies.filter((e) => e.acceptedAt !== null);
  const seconds = accepted.map((e) => e.acceptSeconds ?? (e.acceptedAt!.getTime() - e.requestedAt.getTime()) / 1000).sort((a, b) => a - b);
  return {
    calls: emergencies.length,
    accepted: accepted.length,
    acceptSeconds: seconds.length === 0 ? null : { p50: nearestRank(seconds, 0.5), p90: nearestRank(seconds, 0.9), max: seconds.at(-1)! },
    abandoned: emergencies.filter((e) => e.abandonedAt !== null && e.acceptedAt === null).length,
    calledBack: emergencies.filter((e) => e.calledBack).length,
  };
}

/** The nearest-rank percentile of sorted values. */
export function nearestRank(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

function dailySeries(month: Month, calls: CallRow[]): DayFigures[] {
  const byDay = new Map<string, CallRow[]>(month.days.map((d) => [d, []]));
  const dayOf = localDayIn(month);
  for (const c of calls) {
    const day = dayOf(c.startedAt);
    if (day !== undefined) byDay.get(day)!.push(c);
  }
  return month.days.map((date) => {
    const day = byDay.get(date)!;
    const answered = day.filter(answeredInTime).length;
    const seconds = day.flatMap((c) => (c.emergency?.acceptSeconds != null ? [c.emergency.acceptSeconds] : [])).sort((a, b) => a - b);
    return {
      date,
      calls: day.length,
      answered,
      answerRate: day.length > 0 ? answered / day.length : null,
      emergencies: day.filter((c) => c.emergency).length,
      acceptP50: seconds.length > 0 ? nearestRank(seconds, 0.5) : null,
    };
  });
}

/**
 * The local date of an instant within the month (undefined outside it), as
 * localDate() says, but found among the month's midnights by binary search:
 * localDate formats every instant with Intl, and 100,000 calls took 0.6 s.
 */
function localDayIn(month: Month): (instant: Date) => string | undefined {
  const starts = month.days.map((d) => fromLocalMinutes(d, 0, month.timeZone).getTime());
  const end = month.to.getTime();
  return (instant) => {
    const t = instant.getTime();
    if (!(t >= starts[0]! && t < end)) return undefined;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return month.days[lo];
  };
}
