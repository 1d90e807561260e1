import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isCallEnded, type CallLeg } from '../../../src/telephony/port.ts';
import { FakeLeg, FakeTelephony } from '../../support/fake-telephony.ts';
import { runUntil, settle } from '../../support/fake-time.ts';
import { portContract } from '../../support/port-contract.ts';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

portContract('FakeTelephony', () => {
  const telephony = new FakeTelephony({ durations: [['long', 4000], ['short', 1000]] });
  let inbound: CallLeg | null = null;
  telephony.onInboundCall((leg) => {
    inbound = leg;
  });
  return {
    telephony,
    promptFile: '/prompts/test/long',
    shortPromptFile: '/prompts/test/short',
    settle,
    async newCall(script = []) {
      const leg = telephony.simulateInbound(telephony.newLeg());
      expect(inbound).toBe(leg);
      await leg.answer();
      for (const step of script) {
        if ('keys' in step) leg.press(step.keys, { atMs: step.atMs });
        else if ('speakMs' in step) leg.speak({ atMs: step.atMs });
        else leg.farEndHangup({ atMs: step.atMs });
      }
      return { leg, hangUp: async () => void leg.farEndHangup() };
    },
  };
});

describe('FakeLeg scripting', () => {
  it('logs what happened on the leg, in order', async () => {
    const t = new FakeTelephony();
    const leg = t.newLeg();
    t.onInboundCall(() => {});
    t.simulateInbound(leg);
    await leg.answer();
    await leg.setVar('X', '1');
    leg.onPlay('b', { press: '4', afterMs: 300 });
    expect(await settle(leg.play(['/p/a', '/p/b', '/p/c']))).toEqual({ kind: 'key', key: '4' });
    const ring = await leg.startRingback();
    await ring.stop();
    await leg.hangup();
    expect(leg.log).toEqual([
      'answered',
      'var X=1',
      'played /p/a',
      'played /p/b',
      'key 4',
      'stopped /p/b',
      'ringback start',
      'ringback stop',
      'hangup',
    ]);
    expect(leg.heard()).toEqual(['a', 'b']);
    expect(leg.timeline.find((e) => e.entry === 'key 4')?.atMs).toBe(1300);
  });

  it('durations: default 1000 ms, per telephony pattern, per leg override', async () => {
    const t = new FakeTelephony({ durations: [[/digit-/, 200]] });
    const leg = t.newLeg().setDuration('slow', 5000);
    const time = async (file: string) => {
      const start = Date.now();
      await settle(leg.play([file]));
      return Date.now() - start;
    };
    expect(await time('/p/other')).toBe(1000);
    expect(await time('/p/digit-3')).toBe(200);
    expect(await time('/p/slow')).toBe(5000);
  });

  it('onPlay matches the prompt id, a path tail, a RegExp or a predicate; once fires a single time', async () => {
    const leg = new FakeLeg();
    const seen: string[] = [];
    leg.onPlay('en-US/menu', (_, f) => seen.push(`tail ${f}`));
    leg.onPlay(/zh-CN/, (_, f) => seen.push(`re ${f}`), { once: true });
    leg.onPlay((f) => f.endsWith('x'), (_, f) => seen.push(`fn ${f}`));
    await settle(leg.play(['/p/en-US/menu', '/p/zh-CN/menu', '/p/zh-CN/menu', '/p/x'], { bargeIn: false }));
    expect(seen).toEqual(['tail /p/en-US/menu', 're /p/zh-CN/menu', 'fn /p/x']);
  });

  it('an onPlay hang-up rejects the play and ends the leg', async () => {
    const leg = new FakeLeg().onPlay('menu', { hangUp: true, afterMs: 500 });
    await expect(settle(leg.play(['/p/menu']))).rejects.toSatisfy(isCallEnded);
    expect(leg.endedBy).toBe('far-end');
    expect(leg.log.at(-1)).toBe('far-end hangup');
  });

  it('speech counts only once voice detection is on; collect endOnVoice then ends with voice', async () => {
    const leg = new FakeLeg();
    leg.speak();
    expect(leg.voiceHeard).toBe(false);
    await leg.enableVoiceDetection();
    leg.speak({ atMs: 700 });
    expect(await settle(leg.collect({ firstKeyTimeoutMs: 3000, endOnVoice: true }))).toEqual({ kind: 'voice' });
    expect(leg.voiceHeard).toBe(true);
  });

  it('scripted actions are dropped when the leg ends first', async () => {
    const leg = new FakeLeg().press('1', { atMs: 5000 });
    expect(leg.scheduled).toBe(1);
    leg.farEndHangup();
    expect(leg.scheduled).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('press with gapMs sends keys one after another', async () => {
    const leg = new FakeLeg().press('12', { atMs: 100, gapMs: 400 });
    expect(await settle(leg.collect({ firstKeyTimeoutMs: 1000, interKeyTimeoutMs: 300, maxKeys: 2 }))).toEqual({ kind: 'timeout', keys: '1' });
    expect(await settle(leg.collect({ firstKeyTimeoutMs: 1000 }))).toEqual({ kind: 'keys', keys: '2' });
  });
});

describe('FakeTelephony dialing', () => {
  const opts = { timeoutSeconds: 3 };

  it('never: rings for the ring time, then no-answer (cause 19)', async () => {
    const t = new FakeTelephony();
    const r = await settle(t.dial('duty1', opts));
    expect(r).toEqual({ kind: 'failed', reason: 'no-answer', cause: 19, ringMs: 3000 });
    expect(t.stats().pendingWaits).toBe(0);
  });

  it('busy / unavailable fail at once', async () => {
    const t = new FakeTelephony().target('a', { answer: 'busy' }).target('b', { answer: 'unavailable' });
    expect(await settle(t.dial('a', opts))).toMatchObject({ kind: 'failed', reason: 'busy', cause: 17, ringMs: 0 });
    expect(await settle(t.dial('b', opts))).toMatchObject({ kind: 'failed', reason: 'unavailable', ringMs: 0 });
  });

  it('answers after afterMs with a scripted leg that counts as live until it ends', async () => {
    const t = new FakeTelephony().target('duty1', {
      answer: { afterMs: 1200, then: (leg) => leg.onPlay('accept', { press: '1' }) },
    });
    const r = await settle(t.dial('duty1', { ...opts, callerId: { number: '13800138000' } }));
    if (r.kind !== 'answered') throw new Error('expected an answer');
    expect(r.ringMs).toBe(1200);
    expect(r.leg.callerNumber).toBe('13800138000');
    expect(t.stats().legs).toBe(1);
    expect(await settle(r.leg.play(['/p/accept']))).toEqual({ kind: 'key', key: '1' });
    await r.leg.hangup();
    expect(t.stats()).toMatchObject({ legs: 0, pendingWaits: 0 });
    expect(t.answeredLegs('duty1')).toEqual([r.leg]);
  });

  it('an answer later than the ring time is a no-answer', async () => {
    const t = new FakeTelephony().target('x', { answer: { afterMs: 3000 } });
    expect(await settle(t.dial('x', opts))).toMatchObject({ kind: 'failed', reason: 'no-answer' });
    expect(t.stats().legs).toBe(0);
  });

  it('a list gives one behaviour per successive dial; the last repeats', async () => {
    const t = new FakeTelephony().target('x', { answer: ['busy', { afterMs: 10 }] });
    expect((await settle(t.dial('x', opts))).kind).toBe('failed');
    expect((await settle(t.dial('x', opts))).kind).toBe('answered');
    expect((await settle(t.dial('x', opts))).kind).toBe('answered');
  });

  it('the signal cancels a ringing dial', async () => {
    const t = new FakeTelephony();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 800);
    expect(await settle(t.dial('x', { ...opts, signal: stop.signal }))).toEqual({ kind: 'failed', reason: 'cancelled', cause: null, ringMs: 800 });
    expect(await settle(t.dial('x', { ...opts, signal: stop.signal }))).toMatchObject({ reason: 'cancelled', ringMs: 0 });
    expect(t.stats().pendingWaits).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('throws: dial() rejects (a fault, not a failed call)', async () => {
    const t = new FakeTelephony().target('x', { answer: { throws: 'originate exploded' } });
    await expect(t.dial('x', opts)).rejects.toThrow('originate exploded');
  });
});

describe('FakeTelephony bridges and stats', () => {
  it('a bridge ends with the leg that leaves first; destroy hangs up the other and is idempotent', async () => {
    const t = new FakeTelephony().target('desk1', { answer: { afterMs: 100 } });
    t.onInboundCall(() => {});
    const caller = t.simulateInbound();
    const r = await settle(t.dial('desk1', { timeoutSeconds: 5 }));
    if (r.kind !== 'answered') throw new Error('expected an answer');
    const bridge = await t.bridge(caller, r.leg);
    expect(t.stats()).toMatchObject({ legs: 2, bridges: 1 });
    caller.farEndHangup({ atMs: 2000 });
    expect(await settle(bridge.ended)).toBe(caller.id);
    await bridge.destroy();
    await bridge.destroy();
    expect((r.leg as FakeLeg).log).toEqual(['answered', `bridged ${caller.id}`, 'hangup']);
    expect(t.bridges).toEqual([{ id: bridge.id, legs: [caller.id, r.leg.id], endedBy: caller.id, destroyed: true }]);
    expect(t.stats()).toEqual({ connected: true, legs: 0, pendingWaits: 0, bridges: 0 });
  });

  it('bridging a leg that has ended rejects with CallEndedError', async () => {
    const t = new FakeTelephony();
    const a = new FakeLeg();
    const b = new FakeLeg().farEndHangup();
    await expect(t.bridge(a, b)).rejects.toSatisfy(isCallEnded);
  });

  it('stats count a wait left on a leg even after the leg is gone from the live list', async () => {
    const t = new FakeTelephony();
    t.onInboundCall(() => {});
    const leg = t.simulateInbound();
    const waiting = leg.collect({ firstKeyTimeoutMs: 60_000 });
    expect(t.stats()).toMatchObject({ legs: 1, pendingWaits: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    leg.press('5');
    expect(await waiting).toEqual({ kind: 'keys', keys: '5' });
    expect(t.stats().pendingWaits).toBe(0);
    await leg.hangup();
    expect(t.stats().legs).toBe(0);
  });

  it('simulateInbound passes resumed to the handler', async () => {
    const t = new FakeTelephony();
    const seen: boolean[] = [];
    t.onInboundCall((_, ctx) => seen.push(ctx.resumed));
    t.simulateInbound(undefined, { resumed: true });
    t.simulateInbound();
    expect(seen).toEqual([true, false]);
    await runUntil(() => true);
  });
});
