import { withRetry } from '../db/retry.ts';
import type { Logger } from '../logging/logger.ts';
import { maskNumber } from '../logging/mask.ts';
import type { DutyAlertKind, Notification } from '../notify/index.ts';

export type AlertKind = DutyAlertKind;

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
 * Alerts for the duty line: an error-level log line (masked number) at once,
 * and the duty webhook through the durable notification outbox, so an alert
 * survives a restart and a pager that is down. Raising an alert never waits:
 * the call path never blocks on it; writing it to the outbox is retried while
 * the database is away.
 */
export class DutyAlerts implements AlertSink {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly log: Logger,
    private readonly notify: (n: Notification) => Promise<void>,
  ) {}

  alert(alert: DutyAlert): void {
    this.log.error({ alert: alert.kind, call: alert.callId, from: maskNumber(alert.callerNumber), ...alert.detail }, `duty line alert: ${alert.kind}`);
    const written = withRetry(() => this.notify({ event: `duty.${alert.kind}`, alert }), { attempts: 30, baseDelayMs: 500, maxDelayMs: 10_000 })
      .catch((err) => this.log.error({ err, alert: alert.kind, call: alert.callId }, 'duty alert could not be written to the outbox'))
      .finally(() => this.inFlight.delete(written));
    this.inFlight.add(written);
  }

  /** Waits for alerts still being written (for shutdown and tests). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
