import { eventually } from '../../support/eventually.ts';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/migrate.ts';
import { claimDue, listDeliveries, msUntilNextDue } from '../../../src/notify/delivery-repository.ts';
import { NotificationOutbox } from '../../../src/notify/outbox.ts';
import type { NotificationSettings } from '../../../src/notify/settings.ts';
import { verifyWebhookSignature } from '../../../src/notify/signature.ts';
import type { TicketWebhookBody } from '../../../src/notify/webhook-channel.ts';
import { freePort } from '../../support/free-port.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';
import { captureLog } from '../../support/db-helpers.ts';
import { FULL_NUMBER, startReceiver, testPool, testSettings, ticketEvent, type Receiver } from '../../support/notify-helpers.ts';

const SECRET = 'webhook-test-secret-0123456789';

describe('ticket webhook through the outbox (PostgreSQL server)', () => {
  let cluster: PgCluster | undefined;
  let pool: pg.Pool;
  let receiver: Receiver;

  beforeAll(async () => {
    cluster = await startPgCluster();
    pool = testPool(cluster.url);
    await migrate(pool, captureLog().log);
    receiver = await startReceiver();
  });

  afterAll(async () => {
    try {
      await receiver?.close();
      await pool?.end();
    } finally {
      await cluster?.stop();
    }
  });

  const settings = (webhook: Partial<NonNullable<NotificationSettings['webhook']>> = {}): NotificationSettings =>
    testSettings({ webhook: { url: receiver.url, secret: SECRET, maxAttempts: 5, timeoutMs: 2_000, ...webhook } });

  it('an empty outbox has nothing due (null, not "now"): an idle node rests between rounds', async () => {
    expect(await msUntilNextDue(pool, ['webhook'])).toBeNull();
  });

  /** Runs fn with a started outbox and always stops it. */
  async function withOutbox<T>(s: NotificationSettings, fn: (outbox: NotificationOutbox) => Promise<T>): Promise<T> {
    const outbox = new NotificationOutbox({ pool, log: captureLog().log, settings: s });
    outbox.start();
    try {
      return await fn(outbox);
    } finally {
      await outbox.stop(5_000);
    }
  }

  const requestsFor = (ticketId: string) =>
    receiver.requests.filter((r) => (JSON.parse(r.rawBody) as TicketWebhookBody).ticket.ticketId === ticketId);

  it('POSTs the signed ticket JSON with the masked number and records the delivery', async () => {
    receiver.respond = () => 200;
    const event = ticketEvent({ reference: 'HL-20261124-0042' });
    await withOutbox(settings(), async (outbox) => {
      expect(await outbox.enqueue(event)).toEqual(['webhook']);
      await eventually(() => requestsFor(event.ticketId).length === 1, 'the POST', 5_000);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.status === 'delivered', 'delivered', 5_000);
    });

    const [req] = requestsFor(event.ticketId);
    expect(req!.method).toBe('POST');
    expect(req!.url).toBe('/hooks/hotline');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers['x-hotline-event']).toBe('ticket.created');
    const ts = Number(req!.headers['x-hotline-timestamp']);
    expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(30);
    const signature = req!.headers['x-hotline-signature'] as string;
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(SECRET, req!.headers['x-hotline-timestamp'] as string, req!.rawBody, signature)).toBe(true);
    expect(verifyWebhookSignature('not-the-secret-0123456789', ts, req!.rawBody, signature)).toBe(false);

    const body = JSON.parse(req!.rawBody) as TicketWebhookBody;
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(req!.headers['x-hotline-delivery']).toBe(delivery!.id);
    expect(body).toEqual({
      event: 'ticket.created',
      delivery: delivery!.id,
      ticket: {
        ticketId: event.ticketId,
        reference: 'HL-20261124-0042',
        category: 'complaint',
        level: 2,
        language: 'zh-CN',
        callerMasked: '*******8000',
        deadline: event.deadline,
        createdAt: event.createdAt,
        recordingSeconds: 42,
        url: 'https://hotline.example.test/api/tickets/HL-20261124-0042',
      },
    });
    expect(req!.rawBody).not.toContain(FULL_NUMBER);

    expect(delivery).toMatchObject({
      channel: 'webhook',
      target: receiver.url,
      status: 'delivered',
      attempts: 1,
      lastStatus: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(delivery!.deliveredAt).not.toBeNull();
    expect(delivery!.history).toMatchObject([{ attempt: 1, ok: true, status: 200, error: null }]);
    // Nothing in the outbox holds the full number.
    const stored = await pool.query('select payload::text as p from notification_deliveries where subject_id = $1', [event.ticketId]);
    expect(stored.rows[0].p).not.toContain(FULL_NUMBER);
  });

  it('retries a receiver that answers 500 twice and delivers on the third attempt', async () => {
    const event = ticketEvent();
    receiver.respond = () => (requestsFor(event.ticketId).length <= 2 ? 500 : 200);
    const log = captureLog();
    const outbox = new NotificationOutbox({ pool, log: log.log, settings: settings() });
    outbox.start();
    try {
      await outbox.enqueue(event);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.status === 'delivered', 'delivered', 8_000);
    } finally {
      await outbox.stop(5_000);
    }
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, lastError: null });
    expect(delivery!.history.map((a) => [a.attempt, a.ok, a.status, a.error])).toEqual([
      [1, false, 500, 'HTTP 500 Internal Server Error'],
      [2, false, 500, 'HTTP 500 Internal Server Error'],
      [3, true, 200, null],
    ]);
    const reqs = requestsFor(event.ticketId);
    expect(reqs).toHaveLength(3);
    // The same delivery id every time, a fresh signature each time.
    expect(new Set(reqs.map((r) => r.headers['x-hotline-delivery']))).toEqual(new Set([delivery!.id]));
    for (const r of reqs) {
      expect(verifyWebhookSignature(SECRET, r.headers['x-hotline-timestamp'] as string, r.rawBody, r.headers['x-hotline-signature'] as string)).toBe(true);
    }
    expect(log.messages('warn').filter((m) => m.includes('will retry'))).toHaveLength(2);
    expect(JSON.stringify(log.lines)).not.toContain(FULL_NUMBER);
    expect(JSON.stringify(log.lines)).not.toContain(SECRET);
  });

  it('gives up after maxAttempts and marks the delivery failed', async () => {
    const event = ticketEvent();
    receiver.respond = () => 503;
    const log = captureLog();
    const outbox = new NotificationOutbox({ pool, log: log.log, settings: settings({ maxAttempts: 3 }) });
    outbox.start();
    try {
      await outbox.enqueue(event);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.status === 'failed', 'failed', 8_000);
      await moreRounds(outbox, 2); // and nothing more is sent afterwards
    } finally {
      await outbox.stop(5_000);
    }
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 3, lastStatus: 503, deliveredAt: null, nextAttemptAt: null });
    expect(delivery!.history.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(requestsFor(event.ticketId)).toHaveLength(3);
    expect(log.messages('error')).toContain('ticket notification failed for good');
  });

  it('counts a timeout and a refused connection as failed attempts', async () => {
    const event = ticketEvent();
    receiver.respond = () => 'hang';
    await withOutbox(settings({ maxAttempts: 1, timeoutMs: 300 }), async (outbox) => {
      await outbox.enqueue(event);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.status === 'failed', 'failed', 5_000);
    });
    expect((await listDeliveries(pool, event.ticketId))[0]).toMatchObject({ lastStatus: null, lastError: 'no response within 300 ms' });

    const refused = ticketEvent();
    await withOutbox(settings({ url: `http://127.0.0.1:${await freePort()}/nothing-listens`, maxAttempts: 1 }), async (outbox) => {
      await outbox.enqueue(refused);
      await eventually(async () => (await listDeliveries(pool, refused.ticketId))[0]?.status === 'failed', 'failed', 5_000);
    });
    expect((await listDeliveries(pool, refused.ticketId))[0]!.lastError).toMatch(/ECONNREFUSED/);
  });

  it('sends once when the same ticket is enqueued twice, also inside a transaction', async () => {
    receiver.respond = () => 200;
    const event = ticketEvent();
    await withOutbox(settings(), async (outbox) => {
      const client = await pool.connect();
      try {
        await client.query('begin');
        expect(await outbox.enqueue(event, client)).toEqual(['webhook']);
        expect(await outbox.enqueue(event, client)).toEqual([]);
        await client.query('commit');
      } finally {
        client.release();
      }
      outbox.kick();
      expect(await outbox.enqueue(event)).toEqual([]);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.status === 'delivered', 'delivered', 5_000);
      expect(await outbox.enqueue(event)).toEqual([]);
      await moreRounds(outbox, 2);
    });
    expect(requestsFor(event.ticketId)).toHaveLength(1);
    expect(await listDeliveries(pool, event.ticketId)).toHaveLength(1);
  });

  it('writes nothing for a ticket whose transaction rolls back', async () => {
    const event = ticketEvent();
    const outbox = new NotificationOutbox({ pool, log: captureLog().log, settings: settings() });
    const client = await pool.connect();
    try {
      await client.query('begin');
      await outbox.enqueue(event, client);
      await client.query('rollback');
    } finally {
      client.release();
      await outbox.stop();
    }
    expect(await listDeliveries(pool, event.ticketId)).toEqual([]);
  });

  it('has two workers on one database send every delivery exactly once', async () => {
    receiver.respond = () => 200;
    const events = Array.from({ length: 12 }, () => ticketEvent());
    const otherPool = testPool(cluster!.url);
    const a = new NotificationOutbox({ pool, log: captureLog().log, settings: settings(), batchSize: 3 });
    const b = new NotificationOutbox({ pool: otherPool, log: captureLog().log, settings: settings(), batchSize: 3 });
    try {
      // Enqueued before either starts, so both find the whole backlog at once.
      for (const e of events) await a.enqueue(e);
      a.start();
      b.start();
      for (const e of events) {
        await eventually(async () => (await listDeliveries(pool, e.ticketId))[0]?.status === 'delivered', 'delivered', 8_000);
      }
    } finally {
      await Promise.all([a.stop(5_000), b.stop(5_000)]);
      await otherPool.end();
    }
    for (const e of events) {
      expect(requestsFor(e.ticketId)).toHaveLength(1);
      expect((await listDeliveries(pool, e.ticketId))[0]!.attempts).toBe(1);
    }
  });

  it('never hands the same attempt to two concurrent claims', async () => {
    const url = `http://127.0.0.1:${await freePort()}/claims-only`;
    const events = Array.from({ length: 24 }, () => ticketEvent());
    const writer = new NotificationOutbox({ pool, log: captureLog().log, settings: settings({ url }) });
    for (const e of events) await writer.enqueue(e); // not started: the rows wait
    await writer.stop();
    const otherPool = testPool(cluster!.url);
    try {
      const claimed: string[] = [];
      for (let round = 0; round < 10 && claimed.length < events.length; round++) {
        // Eight claims at once, over two pools (as two processes would).
        const batches = await Promise.all(
          Array.from({ length: 8 }, (_, i) => claimDue(i % 2 ? otherPool : pool, [{ name: 'webhook', target: url, maxAttempts: 5 }], 2, 60_000)),
        );
        for (const b of batches) claimed.push(...b.map((d) => d.subjectId));
      }
      const mine = claimed.filter((id) => events.some((e) => e.ticketId === id));
      expect(mine).toHaveLength(events.length);
      expect(new Set(mine).size).toBe(events.length);
    } finally {
      await otherPool.end();
    }
    for (const e of events) expect((await listDeliveries(pool, e.ticketId))[0]!.attempts).toBe(1);
  });

  it('stop() aborts an attempt that takes too long and records it as failed', async () => {
    const event = ticketEvent();
    receiver.respond = () => 'hang';
    const outbox = new NotificationOutbox({ pool, log: captureLog().log, settings: settings({ timeoutMs: 10_000 }) });
    outbox.start();
    await outbox.enqueue(event);
    await eventually(() => requestsFor(event.ticketId).length === 1, 'the POST', 5_000);
    const started = Date.now();
    await outbox.stop(200);
    expect(Date.now() - started).toBeLessThan(2_000);
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, lastError: 'aborted: the service is stopping' });
    expect(delivery!.history).toHaveLength(1);
  });

  it('fails a delivery whose last attempt was claimed but never recorded, without sending again', async () => {
    const event = ticketEvent();
    const writer = new NotificationOutbox({ pool, log: captureLog().log, settings: settings({ maxAttempts: 3 }) });
    await writer.enqueue(event);
    await writer.stop();
    // As a process that died during attempt 3 leaves it once the lease is over.
    await pool.query(
      "update notification_deliveries set attempts = 3, next_attempt_at = now() - interval '1 second' where subject_id = $1",
      [event.ticketId],
    );
    receiver.respond = () => 200;
    await withOutbox(settings({ maxAttempts: 3 }), async () => {
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.status === 'failed', 'failed', 5_000);
    });
    expect(requestsFor(event.ticketId)).toHaveLength(0);
    expect((await listDeliveries(pool, event.ticketId))[0]).toMatchObject({
      attempts: 3,
      lastError: 'no attempts left (the outcome of the last one was not recorded)',
    });
  });

  it('creates no rows and starts no worker when no channel is configured', async () => {
    const event = ticketEvent();
    const outbox = new NotificationOutbox({ pool, log: captureLog().log, settings: testSettings() });
    outbox.start();
    expect(outbox.channelNames).toEqual([]);
    expect(await outbox.enqueue(event)).toEqual([]);
    await outbox.stop();
    expect(await listDeliveries(pool, event.ticketId)).toEqual([]);
  });

  it('records the URL without credentials or query', async () => {
    const event = ticketEvent();
    const outbox = new NotificationOutbox({
      pool,
      log: captureLog().log,
      settings: settings({ url: 'https://user:pw@paging.example.test/hook?token=s3cr3t' }),
    });
    await outbox.enqueue(event); // not started: nothing is sent
    await outbox.stop();
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 0, target: 'https://paging.example.test/hook?…' });
  });
});

/** Waits until the worker has finished `n` more rounds: anything still due would have been sent by then. */
async function moreRounds(outbox: NotificationOutbox, n: number): Promise<void> {
  const target = outbox.rounds + n;
  for (let i = 0; i < n; i++) {
    outbox.kick();
    await eventually(() => outbox.rounds >= target - n + i + 1, `round ${i + 1} of ${n}`, 5_000);
  }
}
