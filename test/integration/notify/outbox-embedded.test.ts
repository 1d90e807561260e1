import { eventually } from '../../support/eventually.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../../src/db/database.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { listDeliveries } from '../../../src/notify/delivery-repository.ts';
import { NotificationOutbox } from '../../../src/notify/outbox.ts';
import { captureLog, makeTempDir, removeDir } from '../../support/db-helpers.ts';
import { startReceiver, testSettings, ticketEvent, type Receiver } from '../../support/notify-helpers.ts';

// PGlite's first start in an empty folder runs initdb in WebAssembly (several seconds).
const SLOW = 60_000;

/** The default deployment: PGlite behind pglite-socket, a pool of one connection. */
describe('ticket notifications on the embedded database', () => {
  let dataDir: string | undefined;
  let db: Database | undefined;
  let receiver: Receiver;

  beforeAll(async () => {
    dataDir = await makeTempDir('hotline-notify-pglite-');
    db = await openDatabase({ dataDir, log: captureLog().log });
    await migrate(db.pool, captureLog().log);
    receiver = await startReceiver();
  }, SLOW);

  afterAll(async () => {
    try {
      await receiver?.close();
      await db?.close();
    } finally {
      await removeDir(dataDir);
    }
  }, SLOW);

  it('enqueues in the ticket transaction, claims, retries and records as on a server', async () => {
    const pool = db!.pool;
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
  }, SLOW);
});
