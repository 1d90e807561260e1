/** New-ticket notifications (webhook, e-mail) through a durable outbox; see outbox.ts. */
export type { NewTicketEvent } from './new-ticket-event.ts';
export { NotificationOutbox, type NotificationOutboxOptions } from './outbox.ts';
export { notificationSettings, createChannels, type NotificationSettings } from './settings.ts';
export { listDeliveries, type DeliveryRecord, type AttemptRecord, type DeliveryStatus } from './delivery-repository.ts';
export { verifyWebhookSignature, signWebhook, type VerifyOptions } from './signature.ts';
export { TICKET_CREATED, type TicketWebhookBody } from './webhook-channel.ts';
export type { TicketSummary } from './ticket-summary.ts';
export type { ChannelName } from './channel.ts';
export { createNotify, ticketEvent, type Notify } from './feature.ts';
export type { Notification, DutyAlertEvent, DutyAlertKind, MonthlyReportPayload } from './notification.ts';
