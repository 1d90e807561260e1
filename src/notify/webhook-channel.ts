import { describeError, type AttemptResult, type DeliveryAttempt, type NotificationChannel } from './channel.ts';
import { isTicketEvent, type TicketPayload } from './notification.ts';
import { signWebhook } from './signature.ts';
import { orderedSummary, type TicketSummary } from './ticket-summary.ts';

export const TICKET_CREATED = 'ticket.created';
export const TICKET_REOPENED = 'ticket.reopened';

export interface WebhookSettings {
  url: string;
  secret: string;
  maxAttempts: number;
  timeoutMs: number;
}

/** The JSON body of the ticket webhook (`reason` on ticket.reopened: why it was reopened). */
export interface TicketWebhookBody {
  event: typeof TICKET_CREATED | typeof TICKET_REOPENED;
  delivery: string;
  ticket: TicketSummary;
  reason?: string;
}

/**
 * POSTs the signed ticket JSON. 2xx is delivered; anything else (other
 * status, timeout, refused connection) is a failed attempt for the outbox to
 * retry. Redirects are not followed: they count as a failure, so the body and
 * its signature never go to a host nobody configured.
 */
export class WebhookChannel implements NotificationChannel {
  readonly name = 'webhook' as const;
  readonly target: string;
  readonly maxAttempts: number;
  readonly timeoutMs: number;

  constructor(
    private readonly settings: WebhookSettings,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.target = redactUrl(settings.url);
    this.maxAttempts = settings.maxAttempts;
    this.timeoutMs = settings.timeoutMs;
  }

  carries(event: string): boolean {
    return isTicketEvent(event);
  }

  async send(attempt: DeliveryAttempt, signal: AbortSignal): Promise<AttemptResult> {
    const payload = attempt.payload as TicketPayload;
    const event = attempt.event as TicketWebhookBody['event'];
    const body: TicketWebhookBody = { event, delivery: attempt.deliveryId, ticket: orderedSummary(payload), ...(payload.reason ? { reason: payload.reason } : {}) };
    const rawBody = JSON.stringify(body);
    // Signed anew on every attempt: the timestamp is the time of sending, so receivers can refuse replays.
    const timestamp = this.nowSeconds();
    let res: Response;
    try {
      res = await fetch(this.settings.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hotline-event': event,
          'x-hotline-delivery': attempt.deliveryId,
          'x-hotline-timestamp': String(timestamp),
          'x-hotline-signature': signWebhook(this.settings.secret, timestamp, rawBody),
        },
        body: rawBody,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), signal]),
      });
    } catch (err) {
      // fetch rejects with the abort reason: ours when stopping, a TimeoutError from AbortSignal.timeout.
      if (signal.aborted) return { ok: false, status: null, error: 'aborted: the service is stopping' };
      if ((err as Error).name === 'TimeoutError') return { ok: false, status: null, error: `no response within ${this.timeoutMs} ms` };
      return { ok: false, status: null, error: describeError(err) };
    }
    // The receiver's answer is not used; read no more of it than needed to free the connection.
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null };
    return { ok: false, status: res.status, error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}` };
  }

  async close(): Promise<void> {}
}

/**
 * The URL as it may be recorded and shown: without user info, query or
 * fragment, where webhook services like to put their tokens.
 */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(invalid url)';
  }
}
