import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DAY, hotlineHarness } from '../../support/hotline-harness.ts';

const NUMBER = '13900000001';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/**
 * The recovery closes attempts whose call a restart cut. A call this process
 * is still placing (claimed, ringing, no channel in the application yet) is
 * not one of them: closing it would queue the job again while the phone still
 * rings, and the customer would be called twice.
 */
describe('recovering open attempts', () => {
  it('leaves an attempt this process is still ringing alone; it ends by its own ring timeout', async () => {
    const h = hotlineHarness({ at: DAY });
    // Default behaviour of a target: it rings and never answers.
    await h.jobs.enqueue({ kind: 'emergency-callback', number: NUMBER }, 1);
    await h.runUntil(() => h.telephony.dialsTo(`tel:${NUMBER}`).length === 1, { what: 'the callback to be dialled' });

    expect(await h.outbound.recover()).toBe(0);
    expect(h.jobs.attempts).toHaveLength(1);
    expect(h.jobs.attempts[0]).toMatchObject({ state: 'dialing', outcome: null });
    expect(h.outbound.inProgress).toBe(1);

    await h.runUntil(() => h.jobs.attempts[0]!.state === 'ended', { what: 'the ring timeout' });
    expect(h.jobs.attempts[0]).toMatchObject({ outcome: 'no-answer' });
    expect(h.jobs.jobs[0]).toMatchObject({ status: 'unreachable' });
    expect(h.telephony.dialsTo(`tel:${NUMBER}`)).toHaveLength(1);
    await h.finish();
  });

  it('closes an open attempt with no call behind it (cut by a restart) as interrupted, and the job is tried again', async () => {
    const h = hotlineHarness({ at: DAY });
    const job = await h.jobs.enqueue({ kind: 'survey', number: NUMBER }, 3);
    // As a process that died after its claim left it: an attempt row, no call.
    const { claimed } = await h.jobs.claim(1, 60_000, h.clock.now(), () => ({ kind: 'dial' }));
    expect(claimed.map((c) => c.job.id)).toEqual([job!.id]);

    expect(await h.outbound.recover()).toBe(0);
    expect(h.jobs.attempts[0]).toMatchObject({ state: 'ended', outcome: 'interrupted' });
    expect(h.jobs.jobs[0]).toMatchObject({ status: 'pending', attempts: 1 });
    await h.finish({ errorsExpected: false });
  });
});

/**
 * A customer the hotline called, picked up by the next process after a
 * restart: the outbound feature takes the call on; one no feature knows is
 * hung up, never greeted by the inbound menu as a caller.
 */
describe('a call the hotline placed, picked up after a restart', () => {
  it('runs on in its job\'s flow where it was when the attempt is open', async () => {
    const h = hotlineHarness({ at: DAY });
    await h.jobs.enqueue({ kind: 'emergency-callback', number: NUMBER }, 1);
    const { claimed } = await h.jobs.claim(1, 60_000, h.clock.now(), () => ({ kind: 'dial' }));
    const attempt = claimed[0]!.attempt;
    h.telephony.target('duty1', { answer: { afterMs: 1000, then: (leg) => leg.onPlay('duty-press-1', { press: '1', afterMs: 200 }) } });
    // Answered before the restart, into a record that had reached the duty line node.
    await h.jobs.answered(attempt.id, 'call-before-restart', h.clock.now());
    h.records.before('call-before-restart', ['emergency'], { direction: 'callback', channelId: attempt.id });
    const customer = h.caller({ id: attempt.id, callerNumber: NUMBER, vars: { HOTLINE_ATTEMPT: attempt.id } });
    h.dialIn(customer, { resumed: true, placed: true });
    await h.runUntil(() => h.telephony.bridges.length === 1, { what: 'the customer to reach the duty line' });
    expect(customer.heard()).not.toContain('/prompts/zh-CN/greeting-morning');
    customer.farEndHangup();
    await h.runUntil(() => h.jobs.attempts[0]!.state === 'ended', { what: 'the attempt to end' });
    // Put through to the duty line without a key: an emergency callback that reached its customer.
    expect(h.jobs.jobs[0]).toMatchObject({ status: 'done', result: 'connected' });
    expect(h.telephony.dialsTo(`tel:${NUMBER}`)).toHaveLength(0);
    await h.finish();
  });

  it('is hung up, unheard, when no feature knows it', async () => {
    const h = hotlineHarness({ at: DAY });
    const customer = h.caller({ callerNumber: NUMBER });
    h.dialIn(customer, { resumed: true, placed: true });
    await h.runUntil(() => customer.ended.aborted, { what: 'the hang-up' });
    expect(customer.heard()).toEqual([]);
    expect(h.records.all()).toEqual([]);
    expect(h.logs.lines.some((l) => l.msg === 'a call the hotline placed was picked up, but no feature takes it; hanging up')).toBe(true);
    await h.finish();
  });
});
