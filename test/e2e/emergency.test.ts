import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uac, uas, uasCalls } from '../../tools/sipp/index.ts';
import { useStack } from './support/environment.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { Phones, uniqueCaller, webhookReceiver } from './support/phones.ts';
import { AriProbe, eventually, Records } from './support/probes.ts';

/**
 * The emergency path on a real Asterisk with SIPp phones: the caller presses 1,
 * duty phones ring in turn (6 s each in this configuration), an officer must
 * press 1, the legs are bridged. Night time (23:00 local): after-hours branch.
 * Prompt lengths that matter for the timings: greeting ≈ 5 s, duty-connecting
 * ≈ 6 s, duty-callback-intro ≈ 14 s.
 */
const env = await useStack();
const NIGHT = '2026-11-24T23:00:00+08:00';
let hotline: HotlineProcess;
let records: Records;
const phones = new Phones(env);
const ari = new AriProbe(env);

/** An officer who answers, presses 1 after `afterMs`, talks for `talkMs` and waits for the caller to hang up. */
const accepting = (afterMs = 1500, talkMs = 3000) =>
  uas().ring(500).answer().pause(afterMs).dtmf('1').pause(300).speak(talkMs).waitForHangup(90_000);

beforeAll(async () => {
  records = new Records(env);
  hotline = await startHotline(env, { now: NIGHT });
});

afterEach(async () => {
  await phones.stopAll();
});

afterAll(async () => {
  await hotline?.stop();
  await records?.close();
});

describe('emergency duty line (after hours)', () => {
  it('connects a caller who presses 1 during the greeting to the duty officer who presses 1', async () => {
    const from = uniqueCaller();
    const officer = await phones.phone(env.ports.duty1, accepting(1500, 6000));
    const call = await phones.call(uac({ to: '95158', from }).pause(1500).dtmf('1').pause(3000).speak(14_000).pause(500).hangup());

    // While both are talking, media flows both ways through the bridge.
    const legs = await eventually(async () => (await ari.bridges()).find((b) => b.channels.length === 2)?.channels, 'the caller and the officer to be bridged', 40_000);
    const before = await Promise.all(legs.map((id) => ari.rtp(id)));
    // 50 packets are a second of audio at 20 ms each: wait until every leg has sent and received more than that.
    const after = await eventually(async () => {
      const now = await Promise.all(legs.map((id) => ari.rtp(id)));
      return now.every((r, i) => r.rxcount > before[i]!.rxcount + 50 && r.txcount > before[i]!.txcount + 50) ? now : undefined;
    }, 'audio to flow both ways through the bridge', 10_000);
    for (let i = 0; i < legs.length; i++) {
      expect(after[i]!.rxcount, `RTP received on leg ${i}`).toBeGreaterThan(before[i]!.rxcount + 50);
      expect(after[i]!.txcount, `RTP sent on leg ${i}`).toBeGreaterThan(before[i]!.txcount + 50);
    }

    const [callResult, officerResult] = await Promise.all([call.done, officer.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(officerResult.ok, officerResult.errors).toBe(true);

    const record = await records.endedFrom(from);
    expect(record.outcome).toBe('emergency-accepted');
    expect(record.emergency?.acceptedBy).toBe('duty1');
    expect(record.emergency?.acceptSeconds).toBeGreaterThan(0);
    expect(record.emergency?.acceptSeconds).toBeLessThan(30);
    expect(record.emergency?.attempts.map((a) => a.result)).toEqual(['accepted']);
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'emergency']);
    expect(record.keys.map((k) => k.key)).toEqual(['1']);
    expect(record.answeredAt).not.toBeNull();
    expect(record.endedBy).toBe('caller');
  });

  it('moves on when the first duty phone rejects the call, and the second accepts', async () => {
    const from = uniqueCaller();
    const busy = await phones.phone(env.ports.duty1, uas().reject(486));
    const officer = await phones.phone(env.ports.duty2, accepting());
    const call = await phones.call(uac({ to: '95158', from }).pause(1500).dtmf('1').pause(17_000).hangup());

    const [callResult, busyResult, officerResult] = await Promise.all([call.done, busy.done, officer.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(busyResult.ok, busyResult.errors).toBe(true);
    expect(officerResult.ok, officerResult.errors).toBe(true);
    const record = await records.endedFrom(from);
    expect(record.emergency?.attempts.map((a) => [a.target, a.result])).toEqual([
      ['duty1', 'busy'],
      ['duty2', 'accepted'],
    ]);
    expect(record.emergency?.acceptedBy).toBe('duty2');
    expect(record.outcome).toBe('emergency-accepted');
  });

  it('moves on when the first duty phone rings without an answer, and the second accepts', async () => {
    const from = uniqueCaller();
    const silent = await phones.phone(env.ports.duty1, uas().neverAnswer(30_000));
    const officer = await phones.phone(env.ports.duty2, accepting());
    const call = await phones.call(uac({ to: '95158', from }).pause(1500).dtmf('1').pause(23_000).hangup());

    const [callResult, silentResult, officerResult] = await Promise.all([call.done, silent.done, officer.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(silentResult.events.map((e) => e.name)).toContain('cancel-received');
    expect(officerResult.ok, officerResult.errors).toBe(true);
    const record = await records.endedFrom(from);
    const [first, second] = record.emergency!.attempts;
    expect(first).toMatchObject({ target: 'duty1', result: 'no-answer', answeredAt: null });
    // it rang for the configured 6 s before the next target was tried
    expect(Date.parse(first!.endedAt) - Date.parse(first!.startedAt)).toBeGreaterThanOrEqual(5500);
    expect(second).toMatchObject({ target: 'duty2', result: 'accepted' });
  });

  it('does not connect a duty officer who presses another key, and tries the next', async () => {
    const from = uniqueCaller();
    const declining = await phones.phone(env.ports.duty1, uas().ring(300).answer().pause(1500).dtmf('2').waitForHangup(20_000));
    const officer = await phones.phone(env.ports.duty2, accepting());
    const call = await phones.call(uac({ to: '95158', from }).pause(1500).dtmf('1').pause(22_000).hangup());

    const [callResult, declinedResult, officerResult] = await Promise.all([call.done, declining.done, officer.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(declinedResult.ok, declinedResult.errors).toBe(true);
    expect(officerResult.ok, officerResult.errors).toBe(true);
    // The declining phone was hung up right after its key, long before the caller left.
    const declinedAt = declinedResult.events.find((e) => e.name === 'bye-received')!.atMs;
    const officerAnswered = officerResult.events.find((e) => e.name === 'answered')!.atMs;
    expect(declinedAt).toBeLessThan(officerAnswered);
    const record = await records.endedFrom(from);
    expect(record.emergency?.attempts.map((a) => [a.target, a.result])).toEqual([
      ['duty1', 'declined'],
      ['duty2', 'accepted'],
    ]);
  });

  it('moves on from a duty officer who answers but presses nothing', async () => {
    const from = '1009';
    const idle = await phones.phone(env.ports.duty1, uas().ring(300).answer().waitForHangup(40_000));
    const officer = await phones.phone(env.ports.duty2, accepting());
    const call = await phones.call(uac({ to: '95158', from }).pause(1500).dtmf('1').pause(33_000).hangup());

    const [callResult, idleResult, officerResult] = await Promise.all([call.done, idle.done, officer.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(idleResult.ok, idleResult.errors).toBe(true);
    expect(officerResult.ok, officerResult.errors).toBe(true);
    const record = await records.endedFrom(from, 30_000);
    expect(record.emergency?.attempts.map((a) => [a.target, a.result])).toEqual([
      ['duty1', 'no-key'],
      ['duty2', 'accepted'],
    ]);
  });

  it('alerts and calls back a caller who hangs up before anyone accepted, then connects the callback', async () => {
    const webhook = await webhookReceiver(env.ports.webhook);
    try {
      const from = uniqueCaller();
      // The caller gives up while the "connecting you" prompt still plays.
      const call = await phones.call(uac({ to: '95158', from }).pause(1500).dtmf('1').pause(3000).hangup());
      // The hotline calls the caller back through the trunk; the customer answers.
      const customer = await phones.phone(env.ports.trunk, uas().ring(500).answer().waitForHangup(100_000));
      // duty1 rings at once for the first call and is cancelled when the caller gives up; on the
      // callback (after its intro) it rings again, and this time the officer accepts, talks, hangs up.
      const officer = await phones.phone(
        env.ports.duty1,
        uasCalls(uas().neverAnswer(30_000), uas().ring(500).answer().pause(1500).dtmf('1').pause(300).speak(3000).hangup()),
      );

      expect((await call.done).ok).toBe(true);
      const parent = await records.endedFrom(from);
      expect(parent.outcome).toBe('emergency-abandoned');
      expect(parent.emergency?.abandonedAt).not.toBeNull();
      const alert = await eventually(() => webhook.received.find((a) => a.kind === 'emergency-abandoned'), 'the abandoned-call alert', 15_000);
      expect(alert).toMatchObject({ type: 'hotline.duty-alert', callId: parent.id, callerNumber: from });

      const [customerResult, officerResult] = await Promise.all([customer.done, officer.done]);
      expect(customerResult.ok, customerResult.errors).toBe(true);
      expect(officerResult.ok, officerResult.errors).toBe(true);
      expect(officerResult.events.filter((e) => e.name === 'cancel-received').map((e) => e.call)).toEqual([1]);
      expect(parent.emergency?.attempts.map((a) => [a.target, a.result])).toEqual([['duty1', 'caller-gone']]);
      const callback = await eventually(async () => (await records.callbacksOf(parent.id)).find((r) => r.endedAt !== null), 'the callback record', 20_000);
      expect(callback).toMatchObject({ direction: 'callback', parentCallId: parent.id, callerNumber: from, outcome: 'emergency-accepted', endedBy: 'far-end' });
      expect(callback.emergency?.acceptedBy).toBe('duty1');
      expect((await records.get(parent.id))?.emergency?.callbackCallId).toBe(callback.id);
    } finally {
      await webhook.close();
    }
  });

  it('leaves no session, wait or error behind after these calls', async () => {
    const health = await eventually(async () => {
      const h = (await (await fetch(`${env.httpUrl}/health`)).json()) as any;
      return h.activeCalls === 0 && h.telephony.legs === 0 && h.telephony.pendingWaits === 0 ? h : undefined;
    }, 'the hotline to be idle', 15_000);
    expect(health.telephony.bridges).toBe(0);
    expect(await ari.channels()).toEqual([]);
    expect(hotline.errors().filter((l) => l.component !== 'alerts')).toEqual([]);
  });
});

