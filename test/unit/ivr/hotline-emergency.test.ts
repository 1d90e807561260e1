import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { accepts, answersAndPresses, CALLER, DAY, hotlineHarness, NIGHT, type Harness } from '../../support/hotline-harness.ts';
import type { FakeLeg } from '../../support/fake-telephony.ts';
import { recordIdOf } from '../../../src/domain/call-record.ts';

/** What an officer hears: the announcement, the caller's number digit by digit, "press 1". */
const ANNOUNCEMENT = ['duty-announce', ...[...CALLER].map((d) => `digit-${d}`), 'duty-press-1'];

const z = (id: string) => `/prompts/zh-CN/${id}`;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Runs until the caller is talking to someone. */
async function untilBridged(h: Harness, count = 1): Promise<void> {
  await h.runUntil(() => h.telephony.bridges.length >= count, { what: 'a bridge' });
}

describe('emergency after hours', () => {
  it('1 during the after-hours message: duty1 hears who calls, accepts with 1 and is connected', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony.target('duty1', { answer: accepts(2000) });
    const connectingAt: number[] = [];
    const caller = h
      .caller()
      .onPlay('after-hours', { press: '1', afterMs: 500 })
      .onPlay('duty-connecting', () => void connectingAt.push(Date.now()));
    h.dialIn(caller);
    await untilBridged(h);

    const officer = h.telephony.answeredLegs('duty1')[0]!;
    expect(h.telephony.bridges[0]!.legs).toEqual([caller.id, officer.id]);
    // duty1 rang at once, as the caller started to hear "connecting", not after it.
    expect(Math.abs(h.telephony.dials[0]!.startedAt - connectingAt[0]!)).toBeLessThan(50);
    expect(officer.heard()).toEqual(ANNOUNCEMENT);
    expect(officer.log).toContain('key 1');
    expect(h.telephony.dialsTo('duty1')[0]!.options).toMatchObject({
      timeoutSeconds: 3,
      callerId: { name: 'EMERGENCY', number: CALLER },
    });

    caller.farEndHangup({ atMs: 30_000 });
    await h.finish();

    // The caller heard the connecting sentence, then ringback; the officer took
    // longer than reassuranceSeconds (5 s), so a reassurance came, cut off when
    // the officer accepted.
    expect(caller.events()).toEqual([
      'answered',
      'voice detection on',
      `played ${z('greeting-evening')}`,
      `played ${z('emergency-first')}`,
      `played ${z('after-hours')}`,
      'key 1',
      `stopped ${z('after-hours')}`,
      `played ${z('duty-connecting')}`,
      'ringback start',
      'ringback stop',
      `played ${z('duty-reassurance')}`,
      `stopped ${z('duty-reassurance')}`,
      `bridged ${officer.id}`,
      'far-end hangup',
    ]);
    expect(officer.events().at(-1)).toBe('hangup');

    const record = h.records.of(caller);
    expect(record).toMatchObject({
      direction: 'inbound',
      callerNumber: CALLER,
      outcome: 'emergency-accepted',
      outcomeDetail: { acceptedBy: 'duty1', endedFirst: 'caller' },
      endedBy: 'caller',
      endedNode: 'emergency',
      keys: [{ key: '1', node: 'after-hours' }],
      nodes: [{ node: 'greeting' }, { node: 'hours' }, { node: 'after-hours' }, { node: 'emergency' }],
    });
    const e = record.emergency!;
    expect(e.acceptedBy).toBe('duty1');
    expect(e.acceptSeconds).toBeGreaterThan(0);
    // Ring 2 s (from the key on, while "connecting" plays) + announcement 1 + 11 × 0.3 + 0.2 s into "press 1".
    expect(e.acceptSeconds).toBe(6.5);
    expect(e.attempts).toEqual([
      expect.objectContaining({ target: 'duty1', round: 1, result: 'accepted', cause: null, answeredAt: expect.any(String) }),
    ]);
    expect(Date.parse(e.acceptedAt!) - Date.parse(e.requestedAt)).toBe(6500);
    expect(h.alerts.alerts).toEqual([]);
  });

  it('no reassurance when the officer accepts within reassuranceSeconds', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony.target('duty1', { answer: answersAndPresses(200, 'duty-announce', '1') });
    const caller = h.caller().onPlay('after-hours', { press: '1' });
    h.dialIn(caller);
    await untilBridged(h);
    caller.farEndHangup();
    await h.finish();
    expect(caller.heard()).not.toContain('duty-reassurance');
    // The officer accepted while the caller still heard "connecting": it stops and they talk.
    expect(caller.events().slice(-4)).toEqual([`played ${z('duty-connecting')}`, `stopped ${z('duty-connecting')}`, 'bridged duty1#1', 'far-end hangup']);
  });
});

describe('the emergency key', () => {
  it('1 during the greeting in business hours goes straight to the duty line', async () => {
    const h = hotlineHarness({ at: DAY });
    h.telephony.target('duty1', { answer: answersAndPresses(500, 'duty-announce', '1') });
    const caller = h.caller().onPlay('greeting-morning', { press: '1', afterMs: 300 });
    h.dialIn(caller);
    await untilBridged(h);
    h.telephony.answeredLegs('duty1')[0]!.farEndHangup();
    await h.finish();

    expect(caller.heard()).toEqual(['greeting-morning', 'duty-connecting']);
    const record = h.records.of(caller);
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'emergency']);
    expect(record.keys).toEqual([expect.objectContaining({ key: '1', node: 'greeting' })]);
    expect(record).toMatchObject({ outcome: 'emergency-accepted', outcomeDetail: { endedFirst: 'officer' }, endedBy: 'far-end' });
  });

  it('1 in the main menu goes to the duty line too', async () => {
    const h = hotlineHarness({ at: DAY });
    h.telephony.target('duty1', { answer: accepts() });
    const caller = h.caller().onPlay('main-menu', { press: '1', afterMs: 2000 });
    h.dialIn(caller);
    await untilBridged(h);
    caller.farEndHangup();
    await h.finish();
    expect(h.records.of(caller).nodes.map((n) => n.node)).toEqual(['greeting', 'hours', 'main-menu', 'emergency']);
  });
});

describe('hunting the duty list', () => {
  it('duty1 never answers: after ringSeconds duty2 is rung and accepts', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony.target('duty1', { answer: 'never' }).target('duty2', { answer: accepts(500) });
    const caller = h.caller().onPlay('after-hours', { press: '1' });
    h.dialIn(caller);
    await untilBridged(h);
    caller.farEndHangup();
    await h.finish();

    expect(h.telephony.log.filter((l) => l.startsWith('duty'))).toEqual(['duty1 no-answer', 'duty2 answered']);
    expect(h.telephony.dialsTo('duty1')[0]!.result).toMatchObject({ reason: 'no-answer', ringMs: 3000 });
    const e = h.records.of(caller).emergency!;
    expect(e.acceptedBy).toBe('duty2');
    expect(e.attempts.map((a) => [a.target, a.round, a.result, a.cause])).toEqual([
      ['duty1', 1, 'no-answer', 19],
      ['duty2', 1, 'accepted', null],
    ]);
  });

  it('duty1 presses 2 (declines): it is hung up, not connected; duty2 accepts', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony
      .target('duty1', { answer: answersAndPresses(500, 'duty-press-1', '2') })
      .target('duty2', { answer: accepts(500) });
    const caller = h.caller().onPlay('after-hours', { press: '1' });
    h.dialIn(caller);
    await untilBridged(h);
    const [declined] = h.telephony.answeredLegs('duty1');
    const [accepted] = h.telephony.answeredLegs('duty2');
    expect(h.telephony.bridges.map((b) => b.legs)).toEqual([[caller.id, accepted!.id]]);
    expect(declined!.events()).toEqual(['answered', ...ANNOUNCEMENT.map((p) => `played ${z(p)}`), 'key 2', `stopped ${z('duty-press-1')}`, 'hangup']);
    caller.farEndHangup();
    await h.finish();
    expect(h.records.of(caller).emergency!.attempts.map((a) => a.result)).toEqual(['declined', 'accepted']);
  });

  it('duty1 answers and presses nothing: after acceptSeconds it is hung up and duty2 is tried', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony.target('duty1', { answer: { afterMs: 500 } }).target('duty2', { answer: accepts(500) });
    const caller = h.caller().onPlay('after-hours', { press: '1' });
    h.dialIn(caller);
    await untilBridged(h);
    caller.farEndHangup();
    await h.finish();

    const [silent] = h.telephony.answeredLegs('duty1');
    expect(silent!.events().at(-1)).toBe('hangup');
    expect(silent!.log).not.toContain(`bridged ${caller.id}`);
    const [first, second] = h.records.of(caller).emergency!.attempts;
    expect(first).toMatchObject({ target: 'duty1', result: 'no-key' });
    // Announcement (1 + 11 × 0.3 + 1 s) and then acceptSeconds (2 s) to press 1.
    expect(Date.parse(first!.endedAt) - Date.parse(first!.answeredAt!)).toBe(7300);
    expect(second).toMatchObject({ target: 'duty2', result: 'accepted' });
  });

  it('an officer who hangs up instead of accepting counts as rejected; the next is tried', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony
      .target('duty1', { answer: { afterMs: 500, then: (leg) => leg.onPlay('duty-announce', { hangUp: true, afterMs: 300 }) } })
      .target('duty2', { answer: accepts(500) });
    const caller = h.caller().onPlay('after-hours', { press: '1' });
    h.dialIn(caller);
    await untilBridged(h);
    caller.farEndHangup();
    await h.finish();
    expect(h.records.of(caller).emergency!.attempts.map((a) => a.result)).toEqual(['rejected', 'accepted']);
  });

  it('a whole round without acceptance raises duty-unanswered once and the list repeats', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony.target('duty1', { answer: ['never', 'busy', accepts(500)] }).target('duty2', { answer: 'never' });
    const caller = h.caller().onPlay('after-hours', { press: '1' });
    h.dialIn(caller);
    await untilBridged(h);
    caller.farEndHangup();
    await h.finish();

    const record = h.records.of(caller);
    expect(record.emergency!.attempts.map((a) => `${a.target} r${a.round} ${a.result}`)).toEqual([
      'duty1 r1 no-answer',
      'duty2 r1 no-answer',
      'duty1 r2 busy',
      'duty2 r2 no-answer',
      'duty1 r3 accepted',
    ]);
    expect(h.alerts.alerts).toEqual([
      { kind: 'duty-unanswered', callId: record.id, callerNumber: CALLER, at: expect.any(String), detail: { targets: 2 } },
    ]);
    expect(record.outcome).toBe('emergency-accepted');
  });

  it('targets that fail at once do not spin: a round takes at least 5 s', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony.target('duty1', { answer: ['unavailable', accepts(100)] }).target('duty2', { answer: 'unavailable' });
    const caller = h.caller().onPlay('after-hours', { press: '1' });
    h.dialIn(caller);
    await untilBridged(h);
    caller.farEndHangup();
    await h.finish();
    const [a, , c] = h.records.of(caller).emergency!.attempts;
    expect(Date.parse(c!.startedAt) - Date.parse(a!.startedAt)).toBe(5000);
    // Never silence while the list repeats: ringback, the reassurance at 5 s, ringback again.
    expect(caller.events().filter((e) => e.startsWith('ringback') || e.includes('duty-'))).toEqual([
      `played ${z('duty-connecting')}`,
      'ringback start',
      'ringback stop',
      `played ${z('duty-reassurance')}`,
      'ringback start',
      'ringback stop',
    ]);
  });
});

describe('the caller hangs up before anyone accepted', () => {
  function abandonedCall(h: Harness): FakeLeg {
    // duty1: never in the first call, accepts on the callback; duty2 never answers.
    h.telephony.target('duty1', { answer: ['never', accepts(1000)] }).target('duty2', { answer: 'never' });
    h.telephony.target(`tel:${CALLER}`, { answer: { afterMs: 2000 } });
    // Hang up 1 s into duty2's ringing (connecting prompt 1 s + duty1's 3 s).
    const caller = h.caller().onPlay('after-hours', { press: '1' }).onPlay('duty-connecting', { hangUp: true, afterMs: 5000 });
    h.dialIn(caller);
    return caller;
  }

  it('a customer who presses 1 during the callback intro is connected as well', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony.target('duty1', { answer: ['never', accepts(1000)] }).target('duty2', { answer: 'never' });
    h.telephony.target(`tel:${CALLER}`, {
      answer: { afterMs: 2000, then: (leg) => leg.onPlay('duty-callback-intro', { press: '1', afterMs: 300 }) },
    });
    const caller = h.caller().onPlay('after-hours', { press: '1' }).onPlay('duty-connecting', { hangUp: true, afterMs: 5000 });
    h.dialIn(caller);
    await untilBridged(h);
    const customer = h.telephony.dialsTo(`tel:${CALLER}`)[0]!.leg!;
    customer.farEndHangup({ atMs: 5000 });
    await h.finish();
    const callback = h.records.all().find((r) => r.direction === 'callback')!;
    expect(callback).toMatchObject({ outcome: 'emergency-accepted', endedBy: 'caller' });
  });

  it('records emergency-abandoned, alerts with the full number and calls the caller back', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = abandonedCall(h);
    await untilBridged(h);

    const callbackDial = h.telephony.dialsTo(`tel:${CALLER}`);
    expect(callbackDial).toHaveLength(1);
    expect(callbackDial[0]!.options).toMatchObject({ timeoutSeconds: 40, resumable: true, callerId: { number: '95158' } });
    const customer = callbackDial[0]!.leg!;
    const officer = h.telephony.answeredLegs('duty1')[0]!;
    expect(h.telephony.bridges[0]!.legs).toEqual([customer.id, officer.id]);
    // The officer hears the customer's number, not the hotline's caller id on the callback.
    expect(officer.heard()).toEqual(ANNOUNCEMENT);
    expect(customer.heard().slice(0, 2)).toEqual(['duty-callback-intro', 'duty-connecting']);

    customer.farEndHangup({ atMs: 10_000 });
    await h.finish();

    const parent = h.records.of(caller);
    expect(parent).toMatchObject({ outcome: 'emergency-abandoned', endedBy: 'caller', endedNode: 'emergency' });
    expect(parent.emergency).toMatchObject({ alerted: true, acceptedBy: null, abandonedAt: expect.any(String) });
    expect(parent.emergency!.attempts.map((a) => `${a.target} ${a.result}`)).toEqual(['duty1 no-answer', 'duty2 caller-gone']);
    // duty1 rang from the key on (3 s), duty2 until the caller hung up 5 s after the key.
    expect(h.telephony.dialsTo('duty2')[0]!.result).toMatchObject({ reason: 'cancelled', ringMs: 2000 });
    expect(h.alerts.alerts).toEqual([
      { kind: 'emergency-abandoned', callId: parent.id, callerNumber: CALLER, at: expect.any(String), detail: { callback: true } },
    ]);

    const callback = h.records.of(customer);
    expect(parent.emergency!.callbackCallId).toBe(callback.id);
    expect(callback).toMatchObject({
      direction: 'callback',
      parentCallId: parent.id,
      callerNumber: CALLER,
      calledNumber: CALLER,
      outcome: 'emergency-accepted',
      outcomeDetail: { acceptedBy: 'duty1', endedFirst: 'caller' },
    });
    // A restart finds this record from the callback's channel alone.
    expect(callback).toMatchObject({ id: recordIdOf(customer.id), channelId: customer.id });
    expect(customer.vars.get('HOTLINE_CUSTOMER')).toBe(CALLER);
  });

  it('the number is never logged in full', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = abandonedCall(h);
    await untilBridged(h);
    h.telephony.answeredLegs('duty1')[0]!.farEndHangup();
    await h.finish();
    expect(caller.ended.aborted).toBe(true);
    expect(JSON.stringify(h.logs.lines)).not.toContain(CALLER);
  });

  it('the caller hangs up while the officer hears the announcement: caller-gone, the officer is released', async () => {
    const h = hotlineHarness({ at: NIGHT, config: (raw) => { raw.duty.callBackAbandoned = false; } });
    h.telephony.target('duty1', { answer: { afterMs: 500, then: (leg) => leg.onPlay('duty-press-1', { press: '1', afterMs: 500 }) } });
    // Connecting 1 s + ring 0.5 s, then 2 s into the announcement.
    const caller = h.caller().onPlay('after-hours', { press: '1' }).onPlay('duty-connecting', { hangUp: true, afterMs: 3500 });
    h.dialIn(caller);
    await h.finish();

    const officer = h.telephony.answeredLegs('duty1')[0]!;
    expect(officer.events().at(-1)).toBe('hangup');
    expect(officer.log).not.toContain('key 1');
    expect(h.telephony.bridges).toEqual([]);
    const record = h.records.of(caller);
    expect(record.outcome).toBe('emergency-abandoned');
    expect(record.emergency!.attempts.map((a) => a.result)).toEqual(['caller-gone']);
    expect(h.telephony.dialsTo(`tel:${CALLER}`)).toEqual([]);
    expect(h.alerts.kinds()).toEqual(['emergency-abandoned']);
  });

  it('a caller who hangs up on the callback too is alerted again but not called a third time', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony.target('duty1', { answer: 'never' }).target('duty2', { answer: 'never' });
    h.telephony.target(`tel:${CALLER}`, {
      answer: { afterMs: 1000, then: (leg) => leg.onPlay('duty-connecting', { hangUp: true, afterMs: 2000 }) },
    });
    const caller = h.caller().onPlay('after-hours', { press: '1' }).onPlay('duty-connecting', { hangUp: true, afterMs: 2000 });
    h.dialIn(caller);
    await h.finish();
    expect(h.telephony.dialsTo(`tel:${CALLER}`)).toHaveLength(1);
    expect(h.alerts.kinds()).toEqual(['emergency-abandoned', 'emergency-abandoned']);
    const callback = h.records.all().find((r) => r.direction === 'callback')!;
    expect(callback).toMatchObject({ outcome: 'emergency-abandoned', parentCallId: h.records.of(caller).id });
  });
});
