import type { LoadedConfig } from '../config/load-config.ts';
import { ensureSecret, SECRET_NAMES } from '../config/secrets.ts';
import type { NotificationChannel } from './channel.ts';
import { DutyWebhookChannel, type DutyWebhookSettings } from './duty-webhook-channel.ts';
import { EmailChannel, type EmailSettings } from './email-channel.ts';
import { WebhookChannel, type WebhookSettings } from './webhook-channel.ts';

/** Everything the outbox needs, resolved from the configuration (milliseconds, secrets, defaults). */
export interface NotificationSettings {
  /** Base of the ticket link in every notification. */
  publicBaseUrl: string;
  /** Zone for local times in e-mails (calendar.timezone). */
  timeZone: string;
  pollMs: number;
  retry: { baseDelayMs: number; maxDelayMs: number };
  webhook?: WebhookSettings;
  email?: EmailSettings;
  /** The duty line's paging webhook (duty.alertWebhookUrl), for duty alerts. */
  dutyWebhook?: DutyWebhookSettings;
}

/**
 * Reads the notifications section. The webhook secret is the configured one
 * (HOTLINE_WEBHOOK_SECRET) or one generated once into
 * <dataDir>/secrets/webhook-secret, and only when the webhook is configured.
 */
export function notificationSettings(config: LoadedConfig): NotificationSettings {
  const n = config.notifications;
  const settings: NotificationSettings = {
    publicBaseUrl: n.publicBaseUrl ?? `http://${urlHost(config.http.host)}:${config.http.port}`,
    timeZone: config.calendar.timezone,
    pollMs: seconds(n.pollSeconds),
    retry: { baseDelayMs: seconds(n.retry.baseSeconds), maxDelayMs: seconds(n.retry.maxSeconds) },
  };
  if (n.webhook) {
    settings.webhook = {
      url: n.webhook.url,
      secret: ensureSecret(config.dataDir, SECRET_NAMES.webhookSecret, n.webhook.secret),
      maxAttempts: n.webhook.maxAttempts,
      timeoutMs: seconds(n.webhook.timeoutSeconds),
    };
  }
  if (n.email) {
    const { timeoutSeconds, ...email } = n.email;
    settings.email = { ...email, timeoutMs: seconds(timeoutSeconds), publicBaseUrl: settings.publicBaseUrl };
  }
  // A pager that is down must not lose an emergency alert: 12 attempts, backing off up to retry.maxSeconds.
  if (config.duty.alertWebhookUrl) settings.dutyWebhook = { url: config.duty.alertWebhookUrl, maxAttempts: 12, timeoutMs: 5000 };
  return settings;
}

/** The configured channels, webhook first; none when nothing is configured. */
export function createChannels(settings: NotificationSettings): NotificationChannel[] {
  const channels: NotificationChannel[] = [];
  if (settings.webhook) channels.push(new WebhookChannel(settings.webhook));
  if (settings.email) channels.push(new EmailChannel(settings.email, settings.timeZone));
  if (settings.dutyWebhook) channels.push(new DutyWebhookChannel(settings.dutyWebhook));
  return channels;
}

function seconds(s: number): number {
  return Math.round(s * 1000);
}

/** 0.0.0.0 is where the API listens, not an address to link to. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
