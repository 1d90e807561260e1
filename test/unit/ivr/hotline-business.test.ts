import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { accepts, CALLER, DAY, heardWithLanguage, hotlineHarness, type Harness } from '../../support/hotline-harness.ts';
import type { FakeLeg } from '../../support/fake-telephony.ts';

const z = (id: string) => `/prompts/zh-CN/${id}`;

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A business-hours hotline whose desk1 answers after 1 s (desk2 never). */
function withDesk(): Harness {
  const h = hotlineHarness({ at: DAY });
  h.telephony.target('desk1', { answer: { afterMs: 1000 } }).target('desk2', { answer: 'never' });
  return h;
}

/** Connected to desk1: the desk hangs up after a short talk, then everything must wind down. */
async function talkToDeskAndEnd(h: Harness): Promise<FakeLeg> {
  await h.runUntil(() => h.telephony.bridges.length > 0, { what: 'connected to the desk' });
  const desk = h.telephony.answeredLegs('desk1')[0]!;
  desk.farEndHangup({ atMs: 20_000 });
  await h.finish();
  return desk;
}

const nodesOf = (h: Harness, leg: FakeLeg) => h.records.of(leg).nodes.map((n) => n.node);

describe('main menu in business hours', () => {
  it('2: a repair request goes to the service desk; desk1 answers and is connected', async () => {
    const h = withDesk();
    const caller = h.caller().onPlay('main-menu', { press: '2', afterMs: 500 });
    h.dialIn(caller);
    const desk = await talkToDeskAndEnd(h);

    expect(caller.events()).toEqual([
      'answered',
      'voice detection on',
      `played ${z('greeting-morning')}`,
      `played ${z('emergency-first')}`,
      `played ${z('main-menu')}`,
      'key 2',
      `stopped ${z('main-menu')}`,
      `played ${z('transfer-desk')}`,
      'ringback start',
      'ringback stop',
      `bridged ${desk.id}`,
      'hangup',
    ]);
    // All desk phones ring at once; the others stop when one answers.
    expect(h.telephony.log.slice(0, 4)).toEqual(['dial desk1', 'dial desk2', 'desk1 answered', 'desk2 cancelled']);
    expect(h.telephony.dialsTo('desk1')[0]!.options).toMatchObject({ timeoutSeconds: 5, callerId: { number: '13800138000' } });
    expect(h.records.of(caller)).toMatchObject({
      outcome: 'transferred',
      outcomeDetail: { answeredBy: 'desk1', waitSeconds: 1, endedFirst: 'desk' },
      category: 'repair',
      // The desk hung up first.
      endedBy: 'far-end',
      endedNode: 'desk-repair',
      keys: [{ key: '2', node: 'main-menu' }],
    });
    expect(nodesOf(h, caller)).toEqual(['greeting', 'hours', 'main-menu', 'desk-repair']);
  });

  it.each([
    ['3', 'desk-billing', 'billing'],
    ['4', 'desk-complaint', 'complaint'],
    ['0', 'desk', 'other'],
  ])('%s goes to %s with category %s', async (key, node, category) => {
    const h = withDesk();
    const caller = h.caller().onPlay('main-menu', { press: key, afterMs: 500 });
    h.dialIn(caller);
    await talkToDeskAndEnd(h);
    expect(h.records.of(caller)).toMatchObject({ outcome: 'transferred', category, endedNode: node });
  });

  it('a key during the greeting is kept for the main menu (type-ahead)', async () => {
    const h = withDesk();
    const caller = h.caller().onPlay('greeting-morning', { press: '2', afterMs: 300 });
    h.dialIn(caller);
    await talkToDeskAndEnd(h);
    expect(caller.heard()).toEqual(['greeting-morning', 'transfer-desk']);
    expect(h.records.of(caller)).toMatchObject({ category: 'repair', keys: [{ key: '2', node: 'main-menu' }] });
  });

  it('three invalid keys: re-prompted with invalid-key, then a person takes over (service desk)', async () => {
    const h = withDesk();
    const caller = h.caller().onPlay('main-menu', { press: '7', afterMs: 500 });
    h.dialIn(caller);
    await talkToDeskAndEnd(h);
    expect(caller.heard()).toEqual([
      'greeting-morning',
      'emergency-first',
      'main-menu',
      'invalid-key',
      'emergency-first',
      'main-menu',
      'invalid-key',
      'emergency-first',
      'main-menu',
      'transfer-desk',
    ]);
    const record = h.records.of(caller);
    expect(record.keys.map((k) => `${k.key}@${k.node}`)).toEqual(['7@main-menu', '7@main-menu', '7@main-menu']);
    expect(record).toMatchObject({ outcome: 'transferred', category: 'other', endedNode: 'desk' });
  });

  it('a valid key after a wrong one is taken', async () => {
    const h = withDesk();
    let plays = 0;
    const caller = h.caller().onPlay('main-menu', (leg) => leg.press(++plays === 1 ? '8' : '3'));
    h.dialIn(caller);
    await talkToDeskAndEnd(h);
    expect(h.records.of(caller)).toMatchObject({ category: 'billing', endedNode: 'desk-billing' });
  });
});

describe('callers who press nothing', () => {
  it('silence (no key, no voice): no-input re-prompts, then silent-1, silent-2, silent-goodbye and a hang-up', async () => {
    const h = withDesk();
    const caller = h.caller();
    h.dialIn(caller);
    await h.finish();

    expect(caller.heard()).toEqual([
      'greeting-morning',
      'emergency-first',
      'main-menu',
      'no-input',
      'emergency-first',
      'main-menu',
      'no-input',
      'emergency-first',
      'main-menu',
      'silent-1',
      'silent-2',
      'silent-goodbye',
    ]);
    expect(caller.events().at(-1)).toBe('hangup');
    const at = (entry: string) => caller.timeline.find((e) => e.entry === entry)!.atMs;
    // 3 s after each of the first two prompts (1 s each), 2 s after the goodbye.
    expect(at(`played ${z('silent-2')}`) - at(`played ${z('silent-1')}`)).toBe(4000);
    expect(at(`played ${z('silent-goodbye')}`) - at(`played ${z('silent-2')}`)).toBe(4000);
    expect(at('hangup') - at(`played ${z('silent-goodbye')}`)).toBe(3000);
    expect(h.records.of(caller)).toMatchObject({ outcome: 'silent-caller', endedBy: 'hotline', endedNode: 'silent-caller' });
    expect(h.telephony.dials).toEqual([]);
  });

  it('no key but a voice was heard: the service desk (onNoInput), not the silent-caller script', async () => {
    const h = withDesk();
    const caller = h.caller().onPlay('greeting-morning', { speak: true, afterMs: 200 });
    h.dialIn(caller);
    await talkToDeskAndEnd(h);
    expect(caller.heard()).not.toContain('silent-1');
    expect(nodesOf(h, caller)).toEqual(['greeting', 'hours', 'main-menu', 'desk']);
    expect(h.records.of(caller)).toMatchObject({ outcome: 'transferred', category: 'other' });
  });

  it('a caller who speaks during the silent-caller script goes to the desk', async () => {
    const h = withDesk();
    const caller = h.caller().onPlay('silent-2', { speak: true, afterMs: 1500 });
    h.dialIn(caller);
    await talkToDeskAndEnd(h);
    expect(caller.heard().slice(-3)).toEqual(['silent-1', 'silent-2', 'transfer-desk']);
    expect(nodesOf(h, caller).slice(-2)).toEqual(['silent-caller', 'desk']);
  });
});

describe('the service desk does not answer', () => {
  it('a long wait is never mute: ringback with the hold sentence every 20 s, and 1 still reaches the duty line', async () => {
    const h = hotlineHarness({ at: DAY, config: (raw) => { raw.serviceDesk.ringSeconds = 60; } });
    h.telephony.target('duty1', { answer: accepts(500) });
    const caller = h.caller().onPlay('main-menu', { press: '0' }).onPlay('desk-hold', { press: '1', afterMs: 500 }, { once: false });
    h.dialIn(caller);
    await h.runUntil(() => h.telephony.bridges.length > 0);
    caller.farEndHangup();
    await h.finish();

    const events = caller.events();
    const from = events.indexOf(`played ${z('transfer-desk')}`);
    expect(events.slice(from, from + 5)).toEqual([
      `played ${z('transfer-desk')}`,
      'ringback start',
      'ringback stop',
      `played ${z('desk-hold')}`,
      'key 1',
    ]);
    const hold = caller.timeline.find((e) => e.entry === `played ${z('desk-hold')}`)!;
    const ring = caller.timeline.find((e) => e.entry === 'ringback start')!;
    expect(hold.atMs - ring.atMs).toBe(20_000);
    expect(h.records.of(caller)).toMatchObject({ outcome: 'emergency-accepted' });
  });

  it('after ringSeconds the caller gets the desk-unanswered menu; 0 rings again; 1 then reaches the duty line', async () => {
    const h = hotlineHarness({ at: DAY });
    h.telephony.target('duty1', { answer: accepts(500) });
    let offers = 0;
    const caller = h
      .caller()
      .onPlay('main-menu', { press: '0', afterMs: 500 })
      .onPlay('desk-unanswered', (leg) => leg.press(++offers === 1 ? '0' : '1', { atMs: 500 }));
    h.dialIn(caller);
    await h.runUntil(() => h.telephony.bridges.length > 0);
    caller.farEndHangup();
    await h.finish();

    expect(h.telephony.dialsTo('desk1').map((d) => d.result)).toEqual([
      expect.objectContaining({ reason: 'no-answer', ringMs: 5000 }),
      expect.objectContaining({ reason: 'no-answer', ringMs: 5000 }),
    ]);
    expect(h.telephony.dialsTo('desk2')).toHaveLength(2);
    expect(nodesOf(h, caller)).toEqual([
      'greeting', 'hours', 'main-menu', 'desk', 'desk-unanswered', 'desk-again', 'desk-unanswered', 'emergency',
    ]);
    expect(caller.heard().filter((p) => p.startsWith('desk-') || p.startsWith('transfer') || p.startsWith('duty-c'))).toEqual([
      'transfer-desk', 'desk-unanswered', 'transfer-desk', 'desk-unanswered', 'duty-connecting',
    ]);
    // An emergency outranks the unanswered desk on the record.
    expect(h.records.of(caller)).toMatchObject({ outcome: 'emergency-accepted', category: 'other' });
  });

  it('nobody answers and the caller stays on the line: a voicemail in the menu\'s category, then the goodbye', async () => {
    const h = hotlineHarness({ at: DAY });
    const caller = h.caller().onPlay('main-menu', { press: '3' }).onPlay('readback-confirm', { press: '1', afterMs: 300 });
    h.dialIn(caller);
    await h.finish();
    const heard = caller.heard();
    expect(heard.slice(heard.indexOf('transfer-desk'), heard.indexOf('transfer-desk') + 3)).toEqual(['transfer-desk', 'desk-unanswered', 'readback-number']);
    expect(heard.slice(-4, -1)).toEqual(['voicemail-intro', 'voicemail-saved', expect.stringMatching(/^voicemail-callback-by\?deadline=/)]);
    expect(heard.at(-1)).toBe('goodbye');
    const draft = h.voicemail.only();
    expect(draft).toMatchObject({ category: 'billing', callbackNumber: CALLER, callerNumber: CALLER, level: null });
    expect(h.voicemail.finished).toEqual([{ id: draft.id, end: 'silence' }]);
    expect(h.records.of(caller)).toMatchObject({
      outcome: 'voicemail',
      outcomeDetail: { before: 'desk-unanswered', ticketId: draft.id },
      endedNode: 'closing',
      endedBy: 'hotline',
    });
  });

  it('the emergency key while the desk rings: the desk dials are cancelled and the duty line rings', async () => {
    const h = hotlineHarness({ at: DAY });
    h.telephony.target('duty1', { answer: accepts(500) });
    // transfer-desk lasts 1 s, so the key comes 1.5 s into the ringing.
    const caller = h.caller().onPlay('main-menu', { press: '2' }).onPlay('transfer-desk', { press: '1', afterMs: 2500 });
    h.dialIn(caller);
    await h.runUntil(() => h.telephony.bridges.length > 0);
    caller.farEndHangup();
    await h.finish();

    for (const desk of ['desk1', 'desk2']) {
      expect(h.telephony.dialsTo(desk).map((d) => d.result)).toEqual([
        { kind: 'failed', reason: 'cancelled', cause: null, ringMs: 1500 },
      ]);
    }
    const events = caller.events();
    const from = events.indexOf(`played ${z('transfer-desk')}`);
    expect(events.slice(from, from + 5)).toEqual([
      `played ${z('transfer-desk')}`,
      'ringback start',
      'key 1',
      'ringback stop',
      `played ${z('duty-connecting')}`,
    ]);
    const record = h.records.of(caller);
    expect(record.keys.map((k) => `${k.key}@${k.node}`)).toEqual(['2@main-menu', '1@desk-repair']);
    expect(record).toMatchObject({ outcome: 'emergency-accepted', category: 'repair' });
  });

  it('other keys while the desk rings are ignored', async () => {
    const h = withDesk();
    h.telephony.target('desk1', { answer: { afterMs: 3000 } });
    const caller = h.caller().onPlay('main-menu', { press: '2' }).onPlay('transfer-desk', { press: '5', afterMs: 1500 });
    h.dialIn(caller);
    await talkToDeskAndEnd(h);
    expect(h.records.of(caller)).toMatchObject({ outcome: 'transferred', outcomeDetail: { waitSeconds: 3 } });
  });
});

describe('English', () => {
  it('9: the rest of the call is in en-US and the record says so', async () => {
    const h = withDesk();
    const caller = h.caller().onPlay('main-menu', { press: '9' }, { once: true }).onPlay('en-US/main-menu', { press: '0' });
    h.dialIn(caller);
    await talkToDeskAndEnd(h);
    expect(heardWithLanguage(caller)).toEqual([
      'zh-CN/greeting-morning',
      'zh-CN/emergency-first',
      'zh-CN/main-menu',
      'en-US/language-english',
      'en-US/emergency-first',
      'en-US/main-menu',
      'en-US/transfer-desk',
    ]);
    // The language is kept on the record (a restarted application reads it back from there), not on the channel.
    expect(h.records.of(caller)).toMatchObject({ language: 'en-US', category: 'other' });
  });

  it('an English caller on the duty line hears en-US; the officer still hears the default language', async () => {
    const h = hotlineHarness({ at: DAY });
    h.telephony.target('duty1', { answer: accepts(500) });
    const caller = h.caller().onPlay('main-menu', { press: '9' }, { once: true }).onPlay('en-US/main-menu', { press: '1' });
    h.dialIn(caller);
    await h.runUntil(() => h.telephony.bridges.length > 0);
    caller.farEndHangup();
    await h.finish();
    expect(caller.played()).toContain('/prompts/en-US/duty-connecting');
    expect(h.telephony.answeredLegs('duty1')[0]!.played()[0]).toBe('/prompts/zh-CN/duty-announce');
  });
});
