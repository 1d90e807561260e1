import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { uac, uas, uasCalls } from '../../tools/sipp/index.ts';
import { useStack } from './support/environment.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { OutboundProbe } from './support/outbound.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { eventually, Records } from './support/probes.ts';

/**
 * The outbound queue across time and crashes, on the real Asterisk and
 * PostgreSQL: a job due in the evening waits for the morning, one before a
 * holiday for the next working day; the application SIGKILLed during an
 * outbound call is restarted and the callee sees one INVITE, the job is not
 * lost; and the callback of an abandoned emergency call, pending when the
 * application dies, is still placed by the next one.
 */
const env = await useStack();
const phones = new Phones(env);
const probe = new OutboundProbe(env);
const records = new Records(env);
const running: HotlineProcess[] = [];
const start = async (now: string) => {
  const h = await startHotline(env, { now });
  running.push(h);
  return h;
};
const at = (local: string) => new Date(`${local}:00+08:00`);

afterEach(async () => {
  await phones.stopAll();
  await Promise.all(running.splice(0).map((h) => h.stop()));
});

afterAll(async () => {
  await probe.close();
  await records.close();
});

describe('calling windows', () => {
  it('a job due at 21:00 local waits until 09:00; on the eve of a holiday until the next working day', async () => {
    await start('2026-11-24T21:00:00+08:00');
    const evening = uniqueCaller('1380000');
    await probe.api('POST', '/api/callbacks', { kind: 'repair-confirmation', number: evening });
    const waiting = await probe.job(evening, (j) => j.dueAt === at('2026-11-25T09:00').toISOString(), 'the job to wait for the morning', 30_000);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 0 });
    await Promise.all(running.splice(0).map((h) => h.stop()));

    // 30 September 21:00: 1–7 October are the National Day holidays.
    await start('2026-09-30T21:00:00+08:00');
    const eve = uniqueCaller('1380001');
    await probe.api('POST', '/api/callbacks', { kind: 'survey', number: eve });
    const held = await probe.job(eve, (j) => j.dueAt === at('2026-10-08T09:00').toISOString(), 'the job to wait for the first working day', 30_000);
    expect(held).toMatchObject({ status: 'pending', attempts: 0 });
    // Both would be due on the clocks of the tests below: take them out of the queue.
    for (const job of [waiting, held]) await probe.api('POST', `/api/callbacks/${job.id}/cancel`, {});
  });
});

describe('crashes', () => {
  it('the application SIGKILLed during an outbound call: the callee saw one INVITE; the call is picked up and the job goes on', async () => {
    const first = await start('2026-11-24T10:00:00+08:00');
    const number = uniqueCaller('1380002');
    // The callee answers and says nothing: the call runs its course without a key.
    const callee = await phones.phone(env.ports.trunk, uas().ring(500).answer().waitForHangup(120_000));
    await probe.api('POST', '/api/callbacks', { kind: 'survey', number });
    await eventually(async () => {
      const { rows } = await probe.pool.query(`select a.state from callback_attempts a join callback_jobs j on j.id = a.job_id where j.number = $1`, [number]);
      return rows[0]?.state === 'answered';
    }, 'the callee to answer', 30_000);
    await first.kill();
    running.splice(running.indexOf(first), 1);
    const second = await start('2026-11-24T10:00:00+08:00');
    await second.waitForLog((l) => l.msg === 'picked up an outbound call after a restart', 60_000);

    const job = await probe.job(number, (j) => j.attemptList[0]?.state === 'ended', 'the attempt to end', 120_000);
    expect((await callee.done).events.filter((e) => e.name === 'invite')).toHaveLength(1);
    // Answered without a key proves no person: tried again later; not lost, not dialled twice.
    expect(job).toMatchObject({ status: 'pending', attempts: 1 });
    expect(job.attemptList).toHaveLength(1);
    expect(['no-input', 'answered']).toContain(job.attemptList[0].outcome);
  });

  it('an abandoned emergency call whose callback is pending survives an application restart and is still called back', async () => {
    const first = await start('2026-11-24T23:00:00+08:00');
    const from = uniqueCaller();
    // The caller gives up on the duty line; the callback's first attempt finds the line busy.
    const customer = await phones.phone(env.ports.trunk, uasCalls(uas().reject(486), uas().ring(500).answer().waitForHangup(120_000)));
    const officer = await phones.phone(
      env.ports.duty1,
      uasCalls(uas().neverAnswer(30_000), uas().ring(500).answer().pause(1500).dtmf('1').pause(300).speak(3000).hangup()),
    );
    const call = await phones.call(uac({ to: '95158', from }).pause(1500).dtmf('1').pause(3000).hangup());
    expect((await call.done).ok).toBe(true);
    const parent = await records.endedFrom(from);
    await probe.job(from, (j) => j.kind === 'emergency-callback' && j.attempts === 1 && j.status === 'pending', 'the first callback attempt to fail', 30_000);

    // The application dies with the callback pending (due 30 s after the busy line).
    await first.kill();
    running.splice(running.indexOf(first), 1);
    await start('2026-11-24T23:00:00+08:00');

    const callback = await eventually(async () => (await records.callbacksOf(parent.id)).find((r) => r.endedAt !== null), 'the callback record', 120_000);
    expect(callback).toMatchObject({ direction: 'callback', parentCallId: parent.id, callerNumber: from, outcome: 'emergency-accepted' });
    const job = await probe.job(from, (j) => j.status === 'done', 'the callback job to end', 30_000);
    expect(job).toMatchObject({ kind: 'emergency-callback', attempts: 2, result: 'connected' });
    const [customerResult] = await Promise.all([customer.done, officer.done]);
    expect(customerResult.events.filter((e) => e.name === 'invite')).toHaveLength(2);
    expect((await records.get(parent.id))?.emergency?.callbackCallId).toBe(callback.id);
  });
});
