import type { Feature, ServiceBase } from '../feature.ts';
import type { Ticket } from '../tickets/ticket.ts';
import type pg from 'pg';
import { listDeliveries } from './delivery-repository.ts';
import type { NewTicketEvent } from './new-ticket-event.ts';
import type { Notification } from './notification.ts';
import { NotificationOutbox } from './outbox.ts';
import { notificationSettings } from './settings.ts';

export interface Notify extends Feature {
  /** Tells staff of a ticket whose audio is safe; enqueueing again is harmless (one row per ticket and channel). */
  announceTicket(ticket: Ticket): Promise<void>;
  /** Any notification (a reopened ticket, a duty alert), in the caller's transaction when given one. */
  notify(n: Notification, db?: pg.PoolClient): Promise<void>;
  /** The notifications of a ticket with their state, for staff. */
  deliveries(ticketId: string): Promise<Array<{ channel: string; status: string; attempts: number; deliveredAt: string | null; lastError: string | null }>>;
}

/** What a notification says of a ticket (the full number only to be masked inside src/notify). */
export function ticketEvent(t: Ticket): NewTicketEvent {
  return {
    ticketId: t.id,
    reference: t.reference,
    category: t.category,
    level: t.level,
    language: t.language,
    callerNumber: t.callerNumber,
    deadline: t.deadline,
    createdAt: t.createdAt,
    recordingSeconds: t.recording.ms === null ? null : Math.round(t.recording.ms / 1000),
  };
}

/** Staff notifications (webhook, e-mail) and duty alerts through the durable outbox. */
export function createNotify(base: Pick<ServiceBase, 'config' | 'db' | 'log'>): Notify {
  const { db } = base;
  const outbox = new NotificationOutbox({ pool: db.pool, log: base.log.child({ component: 'notify' }), settings: notificationSettings(base.config) });
  return {
    name: 'notify',
    announceTicket: async (t) => {
      await db.whenMigrated();
      await outbox.enqueue(ticketEvent(t));
    },
    notify: async (n, client) => {
      await outbox.notify(n, client ?? db.pool);
      // Written in a caller's transaction: the worker finds it on its next round, or when kicked after.
      if (client) setTimeout(() => outbox.kick(), 100).unref();
    },
    deliveries: async (id) =>
      (await listDeliveries(db.pool, id)).map((x) => ({ channel: x.channel, status: x.status, attempts: x.attempts, deliveredAt: x.deliveredAt, lastError: x.lastError })),
    workers: [
      {
        name: 'notification outbox',
        // The worker starts once the tables exist; a database that is away only delays it.
        start: () => void db.ready.then(() => outbox.start(), () => undefined),
        stop: () => outbox.stop(5_000),
      },
    ],
  };
}
