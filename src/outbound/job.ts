import type { Category } from '../domain/category.ts';

/**
 * An outbound call the hotline owes a customer: a job on the durable queue,
 * dialed in attempts until it reaches a person (and gets an answer) or runs
 * out of attempts. Numbers are full numbers: never log them unmasked.
 */

export const JOB_KINDS = ['emergency-callback', 'repair-confirmation', 'survey', 'missed-call'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

export const JOB_STATUSES = ['pending', 'dialing', 'done', 'unreachable', 'cancelled', 'opted-out'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Higher goes first: a cut emergency call before everything else. */
export const PRIORITY: Record<JobKind, number> = {
  'emergency-callback': 100,
  'missed-call': 40,
  'repair-confirmation': 30,
  survey: 20,
};

export interface Job {
  id: string;
  kind: JobKind;
  priority: number;
  number: string;
  language: string;
  ticketId: string | null;
  callId: string | null;
  category: Category | null;
  status: JobStatus;
  dueAt: string;
  attempts: number;
  maxAttempts: number;
  result: string | null;
  resultDetail: Record<string, unknown>;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

/** How a dial attempt went. */
export const ATTEMPT_OUTCOMES = ['answered', 'no-input', 'busy', 'no-answer', 'rejected', 'failed', 'interrupted'] as const;
export type AttemptOutcome = (typeof ATTEMPT_OUTCOMES)[number];

/** What the callee keyed, as it came (kept even when they hang up mid-call). */
export interface Answers {
  /** Repair confirmation: 1 solved, 2 not solved. */
  confirm?: 'solved' | 'not-solved';
  /** Survey score 1–5. */
  score?: number;
  /** The survey's spoken comment (its recording's name). */
  comment?: string;
  /** 8: call me another time (SCR-09). */
  later?: boolean;
  /** 9: no more calls. */
  optOut?: boolean;
  /** 0: put through to the service desk. */
  desk?: boolean;
  /** A missed call: the callee left a voicemail. */
  message?: boolean;
  /** Any key at all: a person is proven to have answered. */
  keyed?: boolean;
}

export interface Attempt {
  /** = the Asterisk channel id of the call. */
  id: string;
  jobId: string;
  attempt: number;
  number: string;
  state: 'dialing' | 'answered' | 'ended';
  outcome: AttemptOutcome | null;
  answers: Answers;
  cause: number | null;
  callId: string | null;
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
}

/** A job as a trigger asks for it. */
export interface NewJob {
  kind: JobKind;
  number: string;
  language?: string;
  ticketId?: string | null;
  callId?: string | null;
  category?: Category | null;
  /** Default now (the dialer still waits for the calling window). */
  dueAt?: Date;
  /** The same key twice creates one job (a ticket resolved twice is confirmed once per resolution). */
  dedupeKey?: string;
  createdBy?: string;
}
