import { eventually } from '../../support/eventually.ts';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/migrate.ts';
import { listDeliveries } from '../../../src/notify/delivery-repository.ts';
import { NotificationOutbox } from '../../../src/notify/outbox.ts';
import type { NotificationSettings } from '../../../src/notify/settings.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';
import { captureLog } from '../../support/db-helpers.ts';
import { FULL_NUMBER, startReceiver, testPool, testSettings, ticketEvent, type Receiver } from '../../support/notify-helpers.ts';
import { startSmtpServer, type TestSmtpServer } from './smtp-helpers.ts';

const SMTP_USER = 'hotline@example.test';
const SMTP_PASSWORD = 'smtp-password-0123';

describe('ticket e-mail through the outbox (PostgreSQL server, local SMTP server)', () => {
  let cluster: PgCluster | undefined;
  let pool: pg.Pool;
  let smtp: TestSmtpServer;
  let receiver: Receiver;

  beforeAll(async () => {
    cluster = await startPgCluster();
    pool = testPool(cluster.url);
    await migrate(pool, captureLog().log);
    smtp = await startSmtpServer({ user: SMTP_USER, password: SMTP_PASSWORD });
    receiver = await startReceiver();
  });

  afterAll(async () => {
    try {
      await Promise.allSettled([smtp?.close(), receiver?.close()]);
      await pool?.end();
    } finally {
      await cluster?.stop();
    }
  });

  const settings = (email: Partial<NonNullable<NotificationSettings['email']>> = {}): NotificationSettings =>
    testSettings({
      email: {
        host: '127.0.0.1',
        port: smtp.port,
        secure: false,
        user: SMTP_USER,
        password: SMTP_PASSWORD,
        from: 'Gas hotline <hotline@example.test>',
        to: ['desk@example.test', 'supervisor@example.test'],
        maxAttempts: 4,
        timeoutMs: 3_000,
        ...email,
      },
    });

  const mailsFor = (reference: string) => smtp.mails.filter((m) => m.headers.get('x-hotline-ticket') === reference);

  it('sends the plain-text ticket e-mail with the masked number and the staff link', async () => {
    smtp.refuse = () => undefined;
    const event = ticketEvent({ reference: 'HL-20261124-0042' });
    const log = captureLog();
    const outbox = new NotificationOutbox({ pool, log: log.log, settings: settings() });
    outbox.start();
    try {
      expect(await outbox.enqueue(event)).toEqual(['email']);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.status === 'delivered', 'delivered', 8_000);
    } finally {
      await outbox.stop(5_000);
    }

    const [mail] = mailsFor('HL-20261124-0042');
    expect(mailsFor('HL-20261124-0042')).toHaveLength(1);
    expect(mail!.user).toBe(SMTP_USER);
    expect(mail!.mailFrom).toBe('hotline@example.test');
    expect(mail!.rcptTo).toEqual(['desk@example.test', 'supervisor@example.test']);
    expect(mail!.headers.get('from')).toBe('Gas hotline <hotline@example.test>');
    expect(mail!.headers.get('to')).toBe('desk@example.test, supervisor@example.test');
    expect(mail!.headers.get('subject')).toBe('New ticket HL-20261124-0042 (complaint, level 2)');
    expect(mail!.headers.get('content-type')).toMatch(/^text\/plain; charset=utf-8/i);
    expect(mail!.headers.get('x-hotline-event')).toBe('ticket.created');

    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(mail!.headers.get('x-hotline-delivery')).toBe(delivery!.id);
    expect(mail!.text).toMatch(/Reference \/ 编号 +HL-20261124-0042\n/);
    expect(mail!.text).toMatch(/Category \/ 类别 +complaint\n/);
    expect(mail!.text).toMatch(/Level \/ 等级 +2\n/);
    expect(mail!.text).toMatch(/Deadline \/ 处理期限 +2026-11-25 17:30 \(Asia\/Shanghai\)\n/);
    expect(mail!.text).toMatch(/Language \/ 语言 +zh-CN\n/);
    expect(mail!.text).toMatch(/Caller \/ 来电号码 +\*{7}8000\n/);
    expect(mail!.text).toContain('https://hotline.example.test/api/tickets/HL-20261124-0042');
    // No full number anywhere in the message, however it is encoded.
    expect(mail!.raw).not.toContain(FULL_NUMBER);
    expect(mail!.text).not.toContain(FULL_NUMBER);
    expect(mail!.raw).not.toContain(SMTP_PASSWORD);

    expect(delivery).toMatchObject({
      channel: 'email',
      target: 'desk@example.test, supervisor@example.test',
      status: 'delivered',
      attempts: 1,
      lastStatus: 250,
    });
    const logged = JSON.stringify(log.lines);
    expect(logged).not.toContain(FULL_NUMBER);
    expect(logged).not.toContain(SMTP_PASSWORD);
  });

  it('retries a temporary refusal (451) and records the SMTP reply codes', async () => {
    const event = ticketEvent();
    let refused = false;
    smtp.refuse = () => {
      if (refused) return undefined;
      refused = true;
      return tempFailure();
    };
    const outbox = new NotificationOutbox({ pool, log: captureLog().log, settings: settings() });
    outbox.start();
    try {
      await outbox.enqueue(event);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.status === 'delivered', 'delivered', 8_000);
    } finally {
      await outbox.stop(5_000);
    }
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(delivery!.attempts).toBe(2);
    expect(delivery!.history.map((a) => [a.ok, a.status])).toEqual([
      [false, 451],
      [true, 250],
    ]);
    expect(delivery!.history[0]!.error).toMatch(/451/);
    expect(mailsFor(event.reference)).toHaveLength(1);
  });

  it('fails the delivery when the server refuses the login, without the password in the record', async () => {
    const event = ticketEvent();
    smtp.refuse = () => undefined;
    const log = captureLog();
    const outbox = new NotificationOutbox({ pool, log: log.log, settings: settings({ password: 'wrong-password-987', maxAttempts: 2 }) });
    outbox.start();
    try {
      await outbox.enqueue(event);
      await eventually(async () => (await listDeliveries(pool, event.ticketId))[0]?.status === 'failed', 'failed', 8_000);
    } finally {
      await outbox.stop(5_000);
    }
    const [delivery] = await listDeliveries(pool, event.ticketId);
    expect(delivery).toMatchObject({ attempts: 2, lastStatus: 535 });
    expect(delivery!.lastError).toMatch(/535|Invalid login/i);
    expect(JSON.stringify(delivery)).not.toContain('wrong-password-987');
    expect(JSON.stringify(log.lines)).not.toContain('wrong-password-987');
    expect(mailsFor(event.reference)).toHaveLength(0);
  });

  it('sends both channels of one ticket, each once', async () => {
    smtp.refuse = () => undefined;
    receiver.respond = () => 200;
    const event = ticketEvent();
    const both = { ...settings(), webhook: { url: receiver.url, secret: 'both-channels-secret-0123', maxAttempts: 3, timeoutMs: 2_000 } };
    const outbox = new NotificationOutbox({ pool, log: captureLog().log, settings: both });
    outbox.start();
    try {
      expect((await outbox.enqueue(event)).sort()).toEqual(['email', 'webhook']);
      expect(await outbox.enqueue(event)).toEqual([]);
      await eventually(async () => (await listDeliveries(pool, event.ticketId)).every((d) => d.status === 'delivered'), 'both delivered', 8_000);
    } finally {
      await outbox.stop(5_000);
    }
    const deliveries = await listDeliveries(pool, event.ticketId);
    expect(deliveries.map((d) => [d.channel, d.status, d.attempts])).toEqual([
      ['webhook', 'delivered', 1],
      ['email', 'delivered', 1],
    ]);
    expect(mailsFor(event.reference)).toHaveLength(1);
    expect(receiver.requests.filter((r) => r.rawBody.includes(event.ticketId))).toHaveLength(1);
  });
});

function tempFailure(): Error & { responseCode: number } {
  return Object.assign(new Error('Try again later'), { responseCode: 451 });
}
