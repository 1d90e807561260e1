import { isReportEvent, isTicketEvent, type MonthlyReportPayload, type TicketPayload } from './notification.ts';
import nodemailer, { type Transporter } from 'nodemailer';
import { describeError, type AttemptResult, type DeliveryAttempt, type NotificationChannel } from './channel.ts';
import { ticketEmail } from './email-message.ts';
import { reportEmail } from './report-email.ts';

export interface EmailSettings {
  host: string;
  port: number;
  /** TLS from the first byte (465); otherwise STARTTLS when the server offers it. */
  secure: boolean;
  user?: string;
  password?: string;
  from: string;
  to: string[];
  /** Base of the links in a report e-mail. */
  publicBaseUrl?: string;
  maxAttempts: number;
  timeoutMs: number;
}

/**
 * Sends the ticket e-mail through an SMTP server with nodemailer. Accepted
 * by the server for at least one recipient is delivered (the rest are noted in
 * last_error); a refusal, a timeout or no connection is a failed attempt.
 */
export class EmailChannel implements NotificationChannel {
  readonly name = 'email' as const;
  readonly target: string;
  readonly maxAttempts: number;
  readonly timeoutMs: number;
  private readonly transport: Transporter;

  constructor(
    private readonly settings: EmailSettings,
    private readonly timeZone: string,
  ) {
    this.target = settings.to.join(', ');
    this.maxAttempts = settings.maxAttempts;
    // Connection, greeting and every socket wait are bounded by timeoutMs; the whole attempt by about three times that.
    this.timeoutMs = settings.timeoutMs * 3;
    this.transport = nodemailer.createTransport({
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      auth: settings.user ? { user: settings.user, pass: settings.password ?? '' } : undefined,
      connectionTimeout: settings.timeoutMs,
      greetingTimeout: settings.timeoutMs,
      socketTimeout: settings.timeoutMs,
      // nodemailer logs nothing by default; keep it so (its debug output would print message bodies).
      logger: false,
      debug: false,
    });
  }

  carries(event: string): boolean {
    return isTicketEvent(event) || isReportEvent(event);
  }

  /** The message of an attempt: a ticket's, or the month-end report's to its own recipients. */
  private message(attempt: DeliveryAttempt) {
    if (isReportEvent(attempt.event)) {
      const r = attempt.payload as MonthlyReportPayload;
      return { to: r.to.length > 0 ? r.to : this.settings.to, ...reportEmail(r, this.settings.publicBaseUrl ?? ''), headers: { 'X-Hotline-Report': r.month } };
    }
    const payload = attempt.payload as TicketPayload;
    const mail = ticketEmail(payload, this.timeZone, attempt.event === 'ticket.reopened' ? (payload.reason ?? '') : null);
    return { to: this.settings.to, ...mail, attachments: [], headers: { 'X-Hotline-Ticket': payload.reference } };
  }

  async send(attempt: DeliveryAttempt, signal: AbortSignal): Promise<AttemptResult> {
    if (signal.aborted) return { ok: false, status: null, error: 'aborted: the service is stopping' };
    const mail = this.message(attempt);
    try {
      const info = await this.transport.sendMail({
        from: this.settings.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        attachments: mail.attachments,
        headers: { 'X-Hotline-Event': attempt.event, 'X-Hotline-Delivery': attempt.deliveryId, ...mail.headers },
      });
      const status = replyCode(info.response);
      const rejected = (info.rejected ?? []).map(String);
      if ((info.accepted ?? []).length === 0) {
        return { ok: false, status, error: `no recipient accepted (rejected: ${rejected.join(', ')})` };
      }
      return { ok: true, status, error: rejected.length > 0 ? `rejected recipients: ${rejected.join(', ')}` : null };
    } catch (err) {
      const code = (err as { responseCode?: unknown }).responseCode;
      return { ok: false, status: typeof code === 'number' ? code : null, error: describeError(err) };
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

function replyCode(response: unknown): number | null {
  const m = typeof response === 'string' ? /^(\d{3})/.exec(response) : null;
  return m ? Number(m[1]) : null;
}
