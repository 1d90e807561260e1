import { eventually } from '../../support/eventually.ts';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/migrate.ts';
import { listDeliveries } from '../../../src/notify/delivery-repository.ts';
import { NotificationOutbox } from '../../../src/notify/outbox.ts';
import type { NotificationSettings } from '../../../src/notify/settings.ts';
import { startPg, startPgCluster, stopPg, type PgCluster } from '../../support/pg-cluster.ts';
import { captureLog } from '../../support/db-helpers.ts';
import { startReceiver, testPool, testSettings, ticketEvent, type Receiver } from '../../support/notify-helpers.ts';

const SLOW = 40_000;

describe('ticket notifications while the database is away', () => {
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

  const settings = (retry = { baseDelayMs: 40, maxDelayMs: 200 }): NotificationSettings =>
    testSettings({ retry, webhook: { url: receiver.url, secret: 'db-away-secret-0123456789', maxAttempts: 5, timeoutMs: 3_000 } });

  const statusOf = async (ticketId: string) => (await listDeliveries(pool, ticketId))[0]?.status;
  const postsFor = (ticketId: string) => receiver.requests.filter((r) => r.rawBody.includes(ticketId)).length;

  it('a worker started with the database down warns, survives and delivers once it is back', async () => {
    receiver.respond = () => 200;
    const event = ticketEvent();
    const log = captureLog();
    const outbox = new NotificationOutbox({ pool, log: log.log, settings: settings() });
    await outbox.enqueue(event); // pending, the worker not yet started
    await stopPg(cluster!);
    try {
      outbox.start();
      await eventually(() => log.messages('warn').filter((m) => m.includes('cannot use the database')).length >= 2, 'warnings', 10_000);
      expect(postsFor(event.ticketId)).toBe(0);
      outbox.kick(); // a kick during the outage is harmless too
    } finally {
      await startPg(cluster!);
    }
    try {
      await eventually(async () => (await statusOf(event.ticketId)) === 'delivered', 'delivered', 15_000);
    } finally {
      await outbox.stop(5_000);
    }
    expect(postsFor(event.ticketId)).toBe(1);
    expect(log.messages('info')).toContain('ticket notification worker reaches the database again');
  }, SLOW);

  it('a pending retry goes out after an outage between two attempts', async () => {
    const event = ticketEvent();
    receiver.respond = () => (postsFor(event.ticketId) <= 1 ? 500 : 200);
    const log = captureLog();
    // The retry is due 1–2 s after the first attempt: the database is stopped before that.
    const outbox = new NotificationOutbox({ pool, log: log.log, settings: settings({ baseDelayMs: 2_000, maxDelayMs: 2_000 }) });
    outbox.start();
    try {
      await outbox.enqueue(event);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.attempts === 1 && postsFor(event.ticketId) === 1, 'first attempt', 5_000);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.lastStatus === 500, 'first attempt recorded', 5_000);
      const dueAt = Date.parse((await listDeliveries(pool, event.ticketId))[0]!.nextAttemptAt!);
      await stopPg(cluster!);
      try {
        // The retry falls due during the outage: the worker looks for it then and cannot reach the database.
        await eventually(
          () => log.lines.some((l) => String(l.msg).includes('cannot use the database') && Number(l.time) >= dueAt),
          'the worker to try after the retry fell due',
          15_000,
        );
        expect(postsFor(event.ticketId)).toBe(1);
        expect(log.messages('warn').some((m) => m.includes('cannot use the database'))).toBe(true);
      } finally {
        await startPg(cluster!);
      }
      await eventually(async () => (await statusOf(event.ticketId)) === 'delivered', 'delivered', 15_000);
    } finally {
      await outbox.stop(5_000);
    }
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(delivery!.history.map((a) => [a.attempt, a.status])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(postsFor(event.ticketId)).toBe(2);
  }, SLOW);

  it('an attempt that succeeds while the database is away is recorded once it is back, and not sent again', async () => {
    const event = ticketEvent();
    let answer: (status: number) => void = () => undefined;
    receiver.respond = () => new Promise<number>((resolve) => (answer = resolve));
    const log = captureLog();
    const outbox = new NotificationOutbox({ pool, log: log.log, settings: settings() });
    outbox.start();
    try {
      await outbox.enqueue(event);
      await eventually(() => postsFor(event.ticketId) === 1, 'the POST', 5_000);
      await stopPg(cluster!); // while the receiver still holds the request
      try {
        answer(200);
        // The receiver said 200; the worker cannot record it while the database is away.
        await eventually(() => log.messages('warn').includes('cannot record a ticket notification attempt yet; retrying'), 'the first try to record the attempt', 5_000);
      } finally {
        await startPg(cluster!);
      }
      await eventually(async () => (await statusOf(event.ticketId)) === 'delivered', 'delivered', 15_000);
    } finally {
      await outbox.stop(5_000);
    }
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 200 });
    expect(delivery!.history).toHaveLength(1);
    expect(postsFor(event.ticketId)).toBe(1);
    expect(log.messages('warn')).toContain('cannot record a ticket notification attempt yet; retrying');
  }, SLOW);

  it('stop() is bounded even with the database away: it leaves the claimed attempt to its lease', async () => {
    const event = ticketEvent();
    receiver.respond = () => 'hang';
    const log = captureLog();
    const outbox = new NotificationOutbox({ pool, log: log.log, settings: settings() });
    outbox.start();
    await outbox.enqueue(event);
    await eventually(() => postsFor(event.ticketId) === 1, 'the POST', 5_000);
    await stopPg(cluster!);
    try {
      const started = Date.now();
      await outbox.stop(200, 300);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(log.messages('warn')).toContain('outcome of aborted ticket notifications not recorded; they are retried when their lease ends');
    } finally {
      await startPg(cluster!);
    }
    // Claimed (attempt 1) with its lease running; nothing recorded.
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(delivery).toMatchObject({ status: 'pending', attempts: 1, history: [] });
    expect(Date.parse(delivery!.nextAttemptAt!) - Date.now()).toBeGreaterThan(30_000);
  }, SLOW);
});
