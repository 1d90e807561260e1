import { eventually } from '../../support/eventually.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listDeliveries } from '../../../src/notify/delivery-repository.ts';
import { NotificationOutbox } from '../../../src/notify/outbox.ts';
import { captureLog } from '../../support/db-helpers.ts';
import { EMBEDDED_START_MS, useEmbeddedDatabase } from '../../support/embedded-db.ts';
import { startReceiver, testSettings, ticketEvent, type Receiver } from '../../support/notify-helpers.ts';


/** The default deployment: PGlite behind pglite-socket, a pool of one connection. */
describe('ticket notifications on the embedded database', () => {
  const embedded = useEmbeddedDatabase('hotline-notify-pglite-', { migrated: true });
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('enqueues in the ticket transaction, claims, retries and records as on a server', async () => {
    const pool = embedded.db.pool;
    const event = ticketEvent();
    receiver.respond = (n) => (n === 1 ? 500 : 200);
    const settings = testSettings({ webhook: { url: receiver.url, secret: 'embedded-secret-0123456789', maxAttempts: 3, timeoutMs: 2_000 } });
    const outbox = new NotificationOutbox({ pool, log: captureLog().log, settings });
    outbox.start();
    try {
      // The pool has one connection: inside a transaction, enqueue must get the transaction's client.
      const client = await pool.connect();
      try {
        await client.query('begin');
        expect(await outbox.enqueue(event, client)).toEqual(['webhook']);
        await client.query('commit');
      } finally {
        client.release();
      }
      outbox.kick();
      expect(await outbox.enqueue(event)).toEqual([]);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.status === 'delivered', 'delivered', 10_000);
    } finally {
      await outbox.stop(5_000);
    }
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(delivery!.history.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 200],
    ]);
  }, EMBEDDED_START_MS);
});
