import type { Logger } from '../logging/logger.ts';
import { maskNumber } from '../logging/mask.ts';

export type AlertKind =
  | 'emergency-abandoned' // the caller hung up before an officer accepted
  | 'duty-unanswered' // a whole round of the duty list rang and nobody accepted
  | 'callback-failed'; // the caller of an abandoned emergency call could not be reached again

export interface DutyAlert {
  kind: AlertKind;
  callId: string;
  /** Full number: the duty staff need it to act; it never goes to the log. */
  callerNumber: string;
  at: string;
  detail?: Record<string, unknown>;
}

export interface AlertSink {
  alert(alert: DutyAlert): void;
}

/**
 * Alerts for the duty line: an error-level log line (masked number) and, when
 * configured, a JSON POST to a webhook, retried with backoff in the
 * background. Raising an alert never waits, so the call path never blocks on it.
 */
export class DutyAlerts implements AlertSink {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly log: Logger,
    private readonly webhookUrl: string | undefined,
    private readonly options: { attempts?: number; timeoutMs?: number; baseDelayMs?: number } = {},
  ) {}

  alert(alert: DutyAlert): void {
    this.log.error(
      { alert: alert.kind, call: alert.callId, from: maskNumber(alert.callerNumber), ...alert.detail },
      `duty line alert: ${alert.kind}`,
    );
    if (!this.webhookUrl) return;
    const delivery = this.deliver(this.webhookUrl, alert).finally(() => this.inFlight.delete(delivery));
    this.inFlight.add(delivery);
  }

  /** Waits for deliveries under way (for shutdown and tests). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private async deliver(url: string, alert: DutyAlert): Promise<void> {
    const attempts = this.options.attempts ?? 5;
    const body = JSON.stringify({ type: 'hotline.duty-alert', ...alert });
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
        });
        if (res.ok) {
          this.log.info({ alert: alert.kind, call: alert.callId, attempt }, 'duty alert delivered');
          return;
        }
        this.log.warn({ alert: alert.kind, status: res.status, attempt }, 'duty alert webhook refused');
      } catch (err) {
        this.log.warn({ alert: alert.kind, err: (err as Error).message, attempt }, 'duty alert webhook unreachable');
      }
      if (attempt < attempts) await new Promise((r) => setTimeout(r, (this.options.baseDelayMs ?? 1000) * 2 ** (attempt - 1)));
    }
    this.log.error({ alert: alert.kind, call: alert.callId }, 'duty alert could not be delivered to the webhook');
  }
}
