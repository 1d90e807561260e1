import type { Payload } from './notification.ts';

export type ChannelName = 'webhook' | 'email' | 'duty-webhook';

/** One attempt to deliver one notification, as the outbox hands it to a channel. */
export interface DeliveryAttempt {
  /** The delivery's id (x-hotline-delivery, X-Hotline-Delivery): the same on every attempt. */
  deliveryId: string;
  /** 'ticket.created', 'ticket.reopened', 'duty.emergency-abandoned', … */
  event: string;
  /** The ticket, call or job the notification is about. */
  subjectId: string;
  /** 1-based. */
  attempt: number;
  payload: Payload;
}

export interface AttemptResult {
  ok: boolean;
  /** HTTP status of the webhook, SMTP reply code of the mail server; null when there was none. */
  status: number | null;
  /** Why it failed (or what was odd about a success); never holds a secret or a full number. */
  error: string | null;
}

export interface NotificationChannel {
  readonly name: ChannelName;
  /** Where notifications go, fit for the record: URL without credentials or query, or the recipients. */
  readonly target: string;
  readonly maxAttempts: number;
  /** Upper bound of one attempt; the outbox leases a claimed delivery for longer than this. */
  readonly timeoutMs: number;
  /** Whether this channel carries notifications of this event (staff channels carry tickets, the duty webhook alerts). */
  carries(event: string): boolean;
  /** Delivers once. Resolves with the outcome; throwing counts as a failed attempt. */
  send(attempt: DeliveryAttempt, signal: AbortSignal): Promise<AttemptResult>;
  close(): Promise<void>;
}

/** A short description of an error for last_error: the message and the code of its cause. */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause as { code?: unknown; message?: unknown } | undefined;
  const detail = cause && typeof cause === 'object' ? (cause.code ?? cause.message) : undefined;
  const text = detail !== undefined && !err.message.includes(String(detail)) ? `${err.message}: ${String(detail)}` : err.message;
  return text.slice(0, 500);
}
