import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordIdOf, type CallRecord } from '../../../src/domain/call-record.ts';
import { accepts, CALLER, DAY, hotlineHarness, NIGHT } from '../../support/hotline-harness.ts';
import type { FakeLeg } from '../../support/fake-telephony.ts';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('the caller hangs up in the IVR', () => {
  it.each<[string, string, (leg: FakeLeg) => void]>([
    ['greeting', 'greeting', (leg) => leg.onPlay('greeting-morning', { hangUp: true, afterMs: 400 })],
    ['main-menu', 'main-menu', (leg) => leg.onPlay('main-menu', { hangUp: true, afterMs: 400 })],
    ['main-menu (waiting for a key)', 'main-menu', (leg) => leg.onPlay('main-menu', { hangUp: true, afterMs: 3000 })],
    ['desk-repair (transfer prompt)', 'desk-repair', (leg) => leg.onPlay('main-menu', { press: '2' }).onPlay('transfer-desk', { hangUp: true, afterMs: 400 })],
    ['desk-repair (desk ringing)', 'desk-repair', (leg) => leg.onPlay('main-menu', { press: '2' }).onPlay('transfer-desk', { hangUp: true, afterMs: 3000 })],
    ['silent-caller', 'silent-caller', (leg) => leg.onPlay('silent-2', { hangUp: true, afterMs: 400 })],
  ])('during %s: a quiet, normal end that leaves nothing behind', async (_, node, script) => {
    const h = hotlineHarness({ at: DAY });
    const caller = h.caller();
    script(caller);
    h.dialIn(caller);
    // finish(): no session, no leg, no wait, no bridge, no timer and no error-level log line.
    await h.finish();
    expect(h.logs.lines.some((l) => l.msg === 'caller hung up' && l.level === 30)).toBe(true);
    expect(h.records.of(caller)).toMatchObject({ endedBy: 'caller', endedNode: node, outcome: 'abandoned', endedAt: expect.any(String) });
    expect(caller.events()).not.toContain('hangup');
    // Nothing rings on after the caller has gone.
    expect(h.telephony.dials.every((d) => d.result?.kind === 'failed' && d.result.reason === 'cancelled')).toBe(true);
  });

  it('after the after-hours message was heard: the outcome stays after-hours-message', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = h.caller().onPlay('after-hours', { hangUp: true, afterMs: 2000 });
    h.dialIn(caller);
    await h.finish();
    expect(h.records.of(caller)).toMatchObject({ endedBy: 'caller', endedNode: 'after-hours', outcome: 'after-hours-message' });
  });
});

describe('after hours', () => {
  it('a key pressed during the greeting does not skip the after-hours message (HRS-09)', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = h.caller().onPlay('greeting-evening', { press: '2', afterMs: 300 });
    h.dialIn(caller);
    await h.finish();
    const heard = caller.played().map((f) => f.split('/').pop());
    expect(heard).toContain('after-hours');
    expect(caller.events()).not.toContain(`stopped ${'/prompts/zh-CN/after-hours'}`);
    expect(h.records.of(caller)).toMatchObject({ outcome: 'after-hours-message', endedBy: 'hotline', endedNode: 'closing' });
  });
});

describe('a call picked up again after a restart', () => {
  // Nothing on the channel: the record's id comes from the channel's.
  const resumedLeg = () => ({ id: 'chan-before-restart' });
  const BEFORE = recordIdOf('chan-before-restart');

  it('hears call-resumed, then continues at its node with the same call id', async () => {
    const h = hotlineHarness({ at: DAY });
    h.telephony.target('desk1', { answer: { afterMs: 1000 } });
    h.records.before(BEFORE, ['greeting', 'main-menu']);
    const caller = h.caller(resumedLeg()).onPlay('main-menu', { press: '0' });
    h.dialIn(caller, { resumed: true });
    await h.runUntil(() => h.telephony.bridges.length > 0);
    caller.farEndHangup();
    await h.finish();

    expect(caller.heard()).toEqual(['call-resumed', 'main-menu', 'transfer-desk']);
    // Already answered before the restart: not answered again.
    expect(caller.events()).not.toContain('answered');
    const record = h.records.get(BEFORE);
    expect(record).toMatchObject({
      channelId: 'chan-before-restart',
      resumedCount: 1,
      outcome: 'transferred',
      endedBy: 'caller',
    });
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'main-menu', 'main-menu', 'desk']);
    expect(h.records.all()).toHaveLength(1);
    expect(h.logs.messages()).toContain('picked up again after a restart');
  });

  it('continues the stored record when it can be read back, in the stored language', async () => {
    const h = hotlineHarness({ at: DAY });
    const before: CallRecord = {
      id: BEFORE,
      channelId: 'chan-before-restart',
      sipCallId: 'x@y',
      direction: 'inbound',
      parentCallId: null,
      callerNumber: CALLER,
      calledNumber: '95158',
      language: 'en-US',
      category: null,
      startedAt: '2026-11-24T01:59:00.000Z',
      answeredAt: '2026-11-24T01:59:00.000Z',
      endedAt: null,
      nodes: [{ node: 'greeting', at: '2026-11-24T01:59:00.000Z' }, { node: 'main-menu', at: '2026-11-24T01:59:02.000Z' }],
      keys: [],
      outcome: null,
      outcomeDetail: {},
      endedNode: null,
      endedBy: null,
      emergency: null,
      resumedCount: 1,
    };
    h.records.latest.set(before.id, before);
    const caller = h.caller(resumedLeg()).onPlay('main-menu', { hangUp: true, afterMs: 300 });
    h.dialIn(caller, { resumed: true });
    await h.finish();
    expect(caller.played()).toEqual(['/prompts/en-US/call-resumed', '/prompts/en-US/main-menu']);
    const record = h.records.get(BEFORE);
    expect(record).toMatchObject({ resumedCount: 2, startedAt: before.startedAt, language: 'en-US', endedBy: 'caller' });
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'main-menu', 'main-menu']);
  });

  it('a stored node that is not in the flow any more starts the flow from the beginning', async () => {
    const h = hotlineHarness({ at: DAY });
    h.records.before(BEFORE, ['greeting', 'voicemail-gone']);
    const caller = h.caller(resumedLeg()).onPlay('greeting-morning', { hangUp: true, afterMs: 300 });
    h.dialIn(caller, { resumed: true });
    await h.finish();
    expect(caller.heard()).toEqual(['call-resumed', 'greeting-morning']);
  });

  it('1 during the apology goes straight to the duty line', async () => {
    const h = hotlineHarness({ at: DAY });
    h.telephony.target('duty1', { answer: accepts(500) });
    h.records.before(BEFORE, ['greeting', 'main-menu']);
    const caller = h.caller(resumedLeg()).onPlay('call-resumed', { press: '1', afterMs: 300 });
    h.dialIn(caller, { resumed: true });
    await h.runUntil(() => h.telephony.bridges.length > 0, { what: 'connected to the duty officer' });
    caller.farEndHangup();
    await h.finish();
    expect(caller.heard().slice(0, 2)).toEqual(['call-resumed', 'duty-connecting']);
    expect(h.records.get(BEFORE)).toMatchObject({ outcome: 'emergency-accepted' });
  });

  it('a caller resumed on the duty line is connected to an officer', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony.target('duty1', { answer: accepts(500) });
    h.records.before(BEFORE, ['greeting', 'emergency']);
    const caller = h.caller(resumedLeg());
    h.dialIn(caller, { resumed: true });
    await h.runUntil(() => h.telephony.bridges.length > 0);
    caller.farEndHangup();
    await h.finish();
    expect(caller.heard().slice(0, 2)).toEqual(['call-resumed', 'duty-connecting']);
    expect(h.records.get(BEFORE)).toMatchObject({ outcome: 'emergency-accepted', resumedCount: 1 });
  });

  it('a call whose record cannot be read back starts over, under its id and answered already', async () => {
    const h = hotlineHarness({ at: DAY });
    const caller = h.caller(resumedLeg()).onPlay('greeting-morning', { hangUp: true, afterMs: 300 });
    h.dialIn(caller, { resumed: true });
    await h.finish();
    expect(caller.heard()).toEqual(['call-resumed', 'greeting-morning']);
    expect(caller.events()).not.toContain('answered');
    expect(h.records.get(BEFORE)).toMatchObject({ channelId: 'chan-before-restart', resumedCount: 1, endedBy: 'caller' });
    expect(h.logs.messages()).toContain('record of a picked-up call not found; it starts over');
  });

  it('a call from a version that stored its call id on the channel keeps that record', async () => {
    const h = hotlineHarness({ at: DAY });
    h.records.before('call-before-upgrade', ['greeting', 'main-menu']);
    const caller = h.caller({ id: 'chan-before-restart', vars: { HOTLINE_CALL_ID: 'call-before-upgrade' } }).onPlay('main-menu', { hangUp: true, afterMs: 300 });
    h.dialIn(caller, { resumed: true });
    await h.finish();
    expect(caller.heard()).toEqual(['call-resumed', 'main-menu']);
    expect(h.records.get('call-before-upgrade')).toMatchObject({ resumedCount: 1, endedBy: 'caller' });
    expect(h.records.all()).toHaveLength(1);
  });

  it('a new call stores nothing on its channel: a restart finds its record from the channel id', async () => {
    const h = hotlineHarness({ at: DAY });
    const caller = h.caller().onPlay('main-menu', { hangUp: true, afterMs: 300 });
    h.dialIn(caller);
    await h.finish();
    expect([...caller.vars.keys()]).toEqual([]);
    expect(h.records.of(caller).id).toBe(recordIdOf(caller.id));
  });
});

describe('a failure inside the application', () => {
  it('a dial that throws hands the caller to the dialplan fallback: outcome failed, logged at error level', async () => {
    const h = hotlineHarness({ at: DAY });
    h.telephony.target('duty1', { answer: { throws: 'ARI originate refused' } });
    const caller = h.caller().onPlay('greeting-morning', { press: '1' });
    h.dialIn(caller);
    await h.finish({ errorsExpected: true });

    // The dial failed at once, while "connecting" played: it stops, the dialplan takes over.
    expect(caller.events().slice(-3)).toEqual(['played /prompts/zh-CN/duty-connecting', 'stopped /prompts/zh-CN/duty-connecting', 'handed-off']);
    expect(caller.endedBy).toBe('handed-off');
    expect(h.records.of(caller)).toMatchObject({
      outcome: 'failed',
      outcomeDetail: { error: 'ARI originate refused', handedOff: true },
      endedBy: 'hotline',
      endedNode: 'emergency',
    });
    const errors = h.logs.errors();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ level: 50, msg: 'call failed in the application; handing it to the dialplan fallback' });
  });

  it('a failure after the desk went unanswered is still recorded as failed and handed off', async () => {
    const h = hotlineHarness({ at: DAY });
    h.telephony.target('desk1', { answer: ['never', { throws: 'ARI originate refused' }] });
    const caller = h.caller().onPlay('main-menu', { press: '0' }).onPlay('desk-unanswered', { press: '0' });
    h.dialIn(caller);
    await h.finish({ errorsExpected: true });
    expect(caller.endedBy).toBe('handed-off');
    expect(h.records.of(caller)).toMatchObject({ outcome: 'failed', outcomeDetail: { handedOff: true }, endedNode: 'desk-again' });
  });

  it('a failing hand-off still ends the call (hang-up), so the caller is not left in silence', async () => {
    const h = hotlineHarness({ at: DAY });
    h.telephony.target('desk1', { answer: { throws: 'boom' } });
    const caller = h.caller().onPlay('main-menu', { press: '0' });
    caller.handOffToDialplan = async () => {
      throw new Error('continueInDialplan failed');
    };
    h.dialIn(caller);
    await h.finish({ errorsExpected: true });
    expect(caller.events().at(-1)).toBe('hangup');
  });
});
