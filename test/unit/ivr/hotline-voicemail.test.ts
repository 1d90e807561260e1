import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeLeg } from '../../support/fake-telephony.ts';
import { accepts, CALLER, hotlineHarness, NIGHT } from '../../support/hotline-harness.ts';

/**
 * The voicemail node on the real flow: after hours, 2/3/4/0 leave a message
 * by topic. The caller's number is read back and confirmed, the ticket is
 * opened before the beep and finished however the recording ends.
 */

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

const digits = (n: string) => [...n].map((d) => `digit-${d}`);

/** Presses `answers[i]` 300 ms into the i-th time the prompt plays (nothing once they run out). */
function answersInTurn(...answers: string[]) {
  let turn = 0;
  return (leg: FakeLeg) => {
    const keys = answers[turn++];
    if (keys) leg.press(keys, { atMs: 300 });
  };
}

describe('after hours, a voicemail by topic', () => {
  it('2, confirm with 1, speak, silence ends it: a repair ticket with the caller number and a spoken deadline', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = h.caller()
      .onPlay('after-hours-menu', { press: '2', afterMs: 500 })
      .onPlay('readback-confirm', { press: '1', afterMs: 300 })
      .onPlay('voicemail-intro', { speak: true, afterMs: 3000 });
    h.dialIn(caller);
    await h.finish();

    const draft = h.voicemail.only();
    expect(draft).toMatchObject({ category: 'repair', level: null, callerNumber: CALLER, callbackNumber: CALLER, language: 'zh-CN' });
    // Tue 23:00: accepted when the desk opens (Wed 08:00), 3 working days later (REP-02): Mon 30 Nov 08:00.
    expect(draft.acceptedAt).toBe('2026-11-25T00:00:00.000Z');
    expect(draft.deadline).toBe('2026-11-30T00:00:00.000Z');
    expect(draft.recordingName).toBe(`voicemail-${draft.id}`);
    expect(h.voicemail.finished).toEqual([{ id: draft.id, end: 'silence' }]);

    const heard = caller.heard();
    const from = heard.indexOf('readback-number');
    expect(heard.slice(from)).toEqual([
      'readback-number',
      ...digits(CALLER),
      'readback-confirm',
      'thank-you',
      'voicemail-intro',
      'voicemail-saved',
      `voicemail-callback-by?deadline=${encodeURIComponent('11月30日上午8点')}`,
      'goodbye-night',
    ]);
    expect(caller.events()).toContain(`record ${draft.recordingName}`);
    // Asterisk keeps the audio: 1 s of intro end + 3 s until the caller spoke + 10 s of silence.
    expect(h.telephony.recordings.stored.has(draft.recordingName)).toBe(true);
    expect(h.records.of(caller)).toMatchObject({ category: 'repair', outcome: 'voicemail', outcomeDetail: { ticketId: draft.id } });
  });

  it('a topic key pressed early in the after-hours message waits until the message, with the emergency number, has been said (HRS-09)', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = h.caller()
      .onPlay('after-hours', { press: '2', afterMs: 1000 })
      .onPlay('readback-confirm', { press: '1', afterMs: 300 })
      .onPlay('voicemail-intro', { speak: true, afterMs: 2000 });
    h.dialIn(caller);
    await h.finish();

    // Played to its end (not stopped by the 2), and the menu's choices were skipped: the 2 answered them.
    expect(caller.events()).toContain(`played /prompts/zh-CN/after-hours`);
    expect(caller.events()).not.toContain(`stopped /prompts/zh-CN/after-hours`);
    expect(caller.heard()).not.toContain('after-hours-menu');
    expect(h.voicemail.only()).toMatchObject({ category: 'repair' });
    const record = h.records.of(caller);
    expect(record.keys.map((k) => k.key)).toEqual(['2', '1']);
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'hours', 'after-hours', 'voicemail-repair', 'closing']);
  });

  it('the caller keys another number and #: it is read back, confirmed and kept', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const other = '13912345678';
    const caller = h.caller().onPlay('after-hours-menu', { press: '4', afterMs: 500 });
    caller.onPlay('readback-confirm', answersInTurn(`${other}#`, '1'));
    caller.onPlay('voicemail-intro', { press: '#', afterMs: 4000 });
    h.dialIn(caller);
    await h.finish();

    const draft = h.voicemail.only();
    // A complaint starts at level 1 (2 h from the next opening: Wed 10:00).
    expect(draft).toMatchObject({ category: 'complaint', level: 1, callerNumber: CALLER, callbackNumber: other, deadline: '2026-11-25T02:00:00.000Z' });
    const heard = caller.heard();
    const second = heard.lastIndexOf('readback-number');
    expect(heard.slice(second, second + other.length + 2)).toEqual(['readback-number', ...digits(other), 'readback-confirm']);
    expect(h.voicemail.finished).toEqual([{ id: draft.id, end: 'key' }]);
    expect(heard).toContain(`voicemail-callback-by?deadline=${encodeURIComponent('明天上午10点')}`);
  });

  it('a number too short to be a phone number is refused and asked again', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = h.caller().onPlay('after-hours-menu', { press: '0', afterMs: 500 });
    caller.onPlay('readback-confirm', answersInTurn('12#', '1'));
    caller.onPlay('voicemail-intro', { hangUp: true, afterMs: 5000 });
    h.dialIn(caller);
    await h.finish();
    expect(caller.heard()).toContain('readback-invalid');
    expect(h.voicemail.only()).toMatchObject({ category: 'other', callbackNumber: CALLER });
  });

  it('a caller without a caller id is asked to key a number', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = h.caller({ callerNumber: 'anonymous' }).onPlay('after-hours-menu', { press: '3', afterMs: 500 });
    caller.onPlay('callback-number-enter', answersInTurn('02161234567#'));
    caller.onPlay('readback-confirm', { press: '1', afterMs: 300 });
    caller.onPlay('voicemail-intro', { press: '#', afterMs: 3000 });
    h.dialIn(caller);
    await h.finish();
    expect(h.voicemail.only()).toMatchObject({ category: 'billing', callerNumber: 'anonymous', callbackNumber: '02161234567' });
  });

  it('the caller hangs up in the middle of the recording: the voicemail is finished as a hang-up, nothing logged as an error', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = h.caller()
      .onPlay('after-hours-menu', { press: '2', afterMs: 500 })
      .onPlay('readback-confirm', { press: '1', afterMs: 300 })
      .onPlay('voicemail-intro', { hangUp: true, afterMs: 6000 });
    h.dialIn(caller);
    await h.finish();
    const draft = h.voicemail.only();
    expect(h.voicemail.finished).toEqual([{ id: draft.id, end: 'hangup' }]);
    expect(h.telephony.recordings.stored.get(draft.recordingName)!.length).toBeGreaterThan(44);
    expect(h.records.of(caller)).toMatchObject({ outcome: 'voicemail', endedBy: 'caller', endedNode: 'voicemail-repair' });
  });

  it('a recording whose end event is lost still goes on to the closing: the recording is checked on every 5 s', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = h.caller()
      .onPlay('after-hours-menu', { press: '2', afterMs: 500 })
      .onPlay('readback-confirm', { press: '1', afterMs: 300 })
      .onPlay('voicemail-intro', { speak: true, afterMs: 3000 });
    caller.loseRecordingEvents = true;
    h.dialIn(caller);
    await h.finish();
    const draft = h.voicemail.only();
    expect(h.voicemail.finished).toEqual([{ id: draft.id, end: 'silence' }]);
    expect(caller.heard().slice(-3, -1)).toEqual(['voicemail-saved', expect.stringMatching(/^voicemail-callback-by/)]);
    // Silence ended it 10 s after the caller spoke; the next check at most 5 s later noticed.
    const at = (entry: string) => caller.timeline.find((e) => e.entry.endsWith(entry))!.atMs;
    const gap = at('voicemail-saved') - at('voice');
    expect(gap).toBeGreaterThanOrEqual(10_000);
    expect(gap).toBeLessThanOrEqual(15_500);
  });

  it('1 while recording keeps the message and goes to the duty line', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.telephony.target('duty1', { answer: accepts(1000) });
    const caller = h.caller()
      .onPlay('after-hours-menu', { press: '2', afterMs: 500 })
      .onPlay('readback-confirm', { press: '1', afterMs: 300 })
      .onPlay('voicemail-intro', { press: '1', afterMs: 4000 });
    h.dialIn(caller);
    await h.runUntil(() => h.telephony.bridges.length > 0);
    caller.farEndHangup();
    await h.finish();
    const draft = h.voicemail.only();
    expect(h.voicemail.finished).toEqual([{ id: draft.id, end: 'emergency' }]);
    expect(h.records.of(caller)).toMatchObject({ outcome: 'emergency-accepted' });
  });

  it('1 while the number is read back means "correct", not the emergency key', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const caller = h.caller()
      .onPlay('after-hours-menu', { press: '2', afterMs: 500 })
      .onPlay('readback-number', { press: '1', afterMs: 200 })
      .onPlay('voicemail-intro', { press: '#', afterMs: 2000 });
    h.dialIn(caller);
    await h.finish();
    expect(h.telephony.dials).toEqual([]);
    expect(h.voicemail.only()).toMatchObject({ callbackNumber: CALLER });
    expect(caller.heard()).toContain('thank-you');
  });

  it('a voicemail that cannot be kept: the caller is told so and hears the goodbye', async () => {
    const h = hotlineHarness({ at: NIGHT });
    h.voicemail.failOpen = new Error('EACCES: journal');
    const caller = h.caller()
      .onPlay('after-hours-menu', { press: '2', afterMs: 500 })
      .onPlay('readback-confirm', { press: '1', afterMs: 300 });
    h.dialIn(caller);
    await h.finish({ errorsExpected: true });
    expect(caller.heard().slice(-2)).toEqual(['voicemail-failed', 'goodbye-night']);
    expect(caller.events()).not.toContainEqual(expect.stringMatching(/^record /));
    expect(h.logs.errors().map((l) => l.msg)).toEqual(['voicemail cannot be kept: the journal is not writable']);
  });
});

describe('a voicemail in progress when the application restarted', () => {
  it('waits for the live recording to end, finishes the same ticket and says goodbye: no second ticket', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const draft = {
      id: '6f1c1f2e-6b7a-4c1d-9d0e-1a2b3c4d5e6f',
      category: 'repair' as const,
      level: null,
      callerNumber: CALLER,
      callbackNumber: CALLER,
      language: 'zh-CN',
      callId: 'call-before-restart',
      createdAt: '2026-11-24T15:00:00.000Z',
      acceptedAt: '2026-11-25T00:00:00.000Z',
      deadline: '2026-11-30T00:00:00.000Z',
      recordingName: 'voicemail-6f1c1f2e-6b7a-4c1d-9d0e-1a2b3c4d5e6f',
    };
    await h.voicemail.open(draft);
    h.telephony.recordings.live.add(draft.recordingName);
    setTimeout(() => h.telephony.recordings.live.delete(draft.recordingName), 4000);
    h.records.before('call-before-restart', ['greeting', 'main-menu', 'voicemail-repair']);
    const caller = h.caller({ id: 'chan-before-restart', vars: { HOTLINE_CALL_ID: 'call-before-restart', HOTLINE_VOICEMAIL: draft.id } });
    h.dialIn(caller, { resumed: true });
    await h.finish();
    expect(h.voicemail.opened).toHaveLength(1);
    expect(h.voicemail.finished).toEqual([{ id: draft.id, end: 'restart' }]);
    expect(caller.heard()).toEqual(['voicemail-saved', `voicemail-callback-by?deadline=${encodeURIComponent('11月30日上午8点')}`, 'goodbye-night']);
    expect(caller.events()).not.toContainEqual(expect.stringMatching(/^record /));
  });

  it('a recording that never reports its end is waited for no longer than a recording can last', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const id = '8b1c1f2e-6b7a-4c1d-9d0e-1a2b3c4d5e6f';
    await h.voicemail.open({
      id, category: 'repair', level: null, callerNumber: CALLER, callbackNumber: CALLER, language: 'zh-CN', callId: 'c',
      createdAt: '2026-11-24T15:00:00.000Z', acceptedAt: '2026-11-25T00:00:00.000Z', deadline: '2026-11-30T00:00:00.000Z',
      recordingName: `voicemail-${id}`,
    });
    h.telephony.recordings.live.add(`voicemail-${id}`);
    h.records.before('c', ['voicemail-repair']);
    const caller = h.caller({ vars: { HOTLINE_CALL_ID: 'c', HOTLINE_VOICEMAIL: id } });
    h.dialIn(caller, { resumed: true });
    await h.finish();
    expect(h.voicemail.finished).toEqual([{ id, end: 'restart' }]);
    const saved = caller.timeline.find((e) => e.entry.endsWith('voicemail-saved'))!.atMs;
    expect(saved).toBeGreaterThanOrEqual(185_000);
    expect(saved).toBeLessThan(186_000);
  });

  it('a voicemail whose recording had not started yet records now, on the same ticket', async () => {
    const h = hotlineHarness({ at: NIGHT });
    const id = '7a1c1f2e-6b7a-4c1d-9d0e-1a2b3c4d5e6f';
    await h.voicemail.open({
      id, category: 'billing', level: null, callerNumber: CALLER, callbackNumber: CALLER, language: 'zh-CN', callId: 'c',
      createdAt: '2026-11-24T15:00:00.000Z', acceptedAt: '2026-11-25T00:00:00.000Z', deadline: '2026-11-27T00:00:00.000Z',
      recordingName: `voicemail-${id}`,
    });
    h.records.before('c', ['voicemail-billing']);
    const caller = h.caller({ vars: { HOTLINE_CALL_ID: 'c', HOTLINE_VOICEMAIL: id } })
      .onPlay('voicemail-intro', { press: '#', afterMs: 3000 });
    h.dialIn(caller, { resumed: true });
    await h.finish();
    expect(h.voicemail.opened).toHaveLength(1);
    expect(caller.events()).toContain(`record voicemail-${id}`);
    expect(h.voicemail.finished).toEqual([{ id, end: 'key' }]);
    expect(caller.heard()[0]).toBe('voicemail-intro');
  });
});
