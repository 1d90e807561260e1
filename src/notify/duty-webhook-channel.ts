import { describeError, type AttemptResult, type DeliveryAttempt, type NotificationChannel } from './channel.ts';
import { isDutyEvent, type DutyAlertPayload } from './notification.ts';
import { redactUrl } from './webhook-channel.ts';

export interface DutyWebhookSettings {
  url: string;
  maxAttempts: number;
  timeoutMs: number;
}

/**
 * The duty line's paging webhook (duty.alertWebhookUrl): a JSON POST per alert,
 * with the caller's full number, because the officer must be able to call at
 * once. Through the outbox, an alert survives a restart and an unreachable
 * pager, and is deduplicated by x-hotline-delivery.
 */
export class DutyWebhookChannel implements NotificationChannel {
  readonly name = 'duty-webhook' as const;
  readonly target: string;
  readonly maxAttempts: number;
  readonly timeoutMs: number;

  constructor(private readonly settings: DutyWebhookSettings) {
    this.target = redactUrl(settings.url);
    this.maxAttempts = settings.maxAttempts;
    this.timeoutMs = settings.timeoutMs;
  }

  carries(event: string): boolean {
    return isDutyEvent(event);
  }

  async send(attempt: DeliveryAttempt, signal: AbortSignal): Promise<AttemptResult> {
    const { callerMasked: _masked, ...alert } = attempt.payload as DutyAlertPayload;
    try {
      const res = await fetch(this.settings.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hotline-event': attempt.event, 'x-hotline-delivery': attempt.deliveryId },
        body: JSON.stringify(alert),
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), signal]),
      });
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return { ok: true, status: res.status, error: null };
      return { ok: false, status: res.status, error: `HTTP ${res.status}` };
    } catch (err) {
      if (signal.aborted) return { ok: false, status: null, error: 'aborted: the service is stopping' };
      if ((err as Error).name === 'TimeoutError') return { ok: false, status: null, error: `no response within ${this.timeoutMs} ms` };
      return { ok: false, status: null, error: describeError(err) };
    }
  }

  async close(): Promise<void> {}
}
