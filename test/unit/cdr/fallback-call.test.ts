import { describe, expect, it } from 'vitest';
import { parseCdrLine } from '../../../src/cdr/cdr-line.ts';
import { callIdOf, completeHandedOff, fallbackCalls, type FallbackContext } from '../../../src/cdr/fallback-call.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { cdrLine, REAL_CALL } from '../../support/cdr-lines.ts';

const ctx: FallbackContext = {
  language: 'zh-CN',
  dutyTargets: [{ target: 'duty1', dialString: 'PJSIP/duty1' }, { target: 'duty2', dialString: 'PJSIP/duty2' }],
};
const parse = (lines: string[]) => lines.map(parseCdrLine);
const T = 1_796_000_000;
const iso = (s: number) => new Date(s * 1000).toISOString();

describe('fallback calls from CDR records', () => {
  it('merges the forks of one call (a record per Dial): first start, last end, the acceptance of the accepting fork', () => {
    const [call, ...rest] = fallbackCalls(parse(REAL_CALL), ctx);
    expect(rest).toEqual([]);
    expect(call).toMatchObject({
      id: callIdOf('hotline-1796341177.0'),
      channelId: 'hotline-1796341177.0',
      sipCallId: '4d1c-call-id',
      direction: 'inbound',
      callerNumber: '1009',
      calledNumber: '95158',
      language: 'zh-CN',
      startedAt: '2026-12-03T23:39:37.941Z',
      answeredAt: '2026-12-03T23:39:37.941Z',
      endedAt: '2026-12-03T23:39:56.564Z',
      outcome: 'emergency-accepted',
      endedNode: 'hotline-fallback',
      outcomeDetail: { via: 'dialplan', linkedid: 'hotline-1796341177.0', cdrRecords: 2 },
    });
    expect(call!.emergency).toMatchObject({
      via: 'dialplan',
      requestedAt: '2026-12-03T23:39:37.943Z',
      acceptedAt: '2026-12-03T23:39:53.148Z',
      acceptedBy: 'duty2',
      acceptSeconds: 15.205,
      abandonedAt: null,
    });
    expect(call!.emergency!.attempts.map((a) => [a.target, a.round, a.result])).toEqual([['duty1', 1, 'no-key'], ['duty2', 1, 'accepted']]);
  });

  it('an unaccepted call is abandoned when it ends; the attempt the caller left during says so', () => {
    const u = 'hotline-2.1';
    const lines = [
      cdrLine({ uniqueid: u, sequence: 0, start: T, answer: T, end: T + 6, disposition: 'NO ANSWER', dial: 'PJSIP/duty1' }),
      cdrLine({ uniqueid: u, sequence: 1, start: T + 6, answer: T + 6, end: T + 12, disposition: 'NO ANSWER', dial: 'PJSIP/duty2' }),
      cdrLine({ uniqueid: u, sequence: 2, start: T + 12, answer: T + 12, end: T + 14, disposition: 'NO ANSWER', dial: 'PJSIP/duty1', fallbackAt: null }),
    ];
    const [call] = fallbackCalls(parse(lines), ctx);
    expect(call).toMatchObject({ outcome: 'emergency-abandoned', startedAt: iso(T), endedAt: iso(T + 14) });
    expect(call!.emergency).toMatchObject({ acceptedAt: null, acceptSeconds: null, acceptedBy: null, abandonedAt: iso(T + 14), requestedAt: iso(T + 0.002) });
    expect(call!.emergency!.attempts.map((a) => [a.target, a.round, a.result])).toEqual([['duty1', 1, 'no-answer'], ['duty2', 1, 'no-answer'], ['duty1', 2, 'caller-gone']]);
  });

  it('a caller who hung up before anything was dialled is a call too (one record, no attempt)', () => {
    const [call] = fallbackCalls(parse([cdrLine({ uniqueid: 'hotline-3.1', start: T, answer: T, end: T + 1, disposition: 'ANSWERED' })]), ctx);
    expect(call).toMatchObject({ outcome: 'emergency-abandoned', answeredAt: iso(T) });
    expect(call!.emergency!.attempts).toEqual([]);
  });

  it('leaves out records without the fallback mark (calls the application handled), and keeps calls apart', () => {
    const lines = [
      cdrLine({ uniqueid: 'hotline-4.1', start: T, answer: T, end: T + 3, fallbackAt: null }),
      cdrLine({ uniqueid: 'hotline-5.1', start: T + 10, answer: T + 10, end: T + 20, dial: 'PJSIP/duty1', acceptedAt: T + 15 }),
      cdrLine({ uniqueid: 'hotline-6.1', start: T + 5, answer: T + 5, end: T + 30, dial: 'PJSIP/duty2' }),
    ];
    const calls = fallbackCalls(parse(lines), ctx);
    expect(calls.map((c) => [c.channelId, c.outcome])).toEqual([['hotline-6.1', 'emergency-abandoned'], ['hotline-5.1', 'emergency-accepted']]);
    expect(calls[1]!.emergency!.acceptSeconds).toBe(4.998);
  });

  it('names a target the configuration no longer has by its Dial string', () => {
    const [call] = fallbackCalls(parse([cdrLine({ uniqueid: 'hotline-7.1', start: T, answer: T, end: T + 9, dial: 'PJSIP/old-phone', acceptedAt: T + 4 })]), ctx);
    expect(call!.emergency!.acceptedBy).toBe('PJSIP/old-phone');
  });

  it('gives a uniqueid always the same id, a name-based UUID', () => {
    expect(callIdOf('hotline-1.1')).toBe(callIdOf('hotline-1.1'));
    expect(callIdOf('hotline-1.1')).not.toBe(callIdOf('hotline-1.2'));
    expect(callIdOf('hotline-1.1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('a call the application handed to the dialplan', () => {
  const [fallback] = fallbackCalls(parse(REAL_CALL), ctx);
  const app: CallRecord = {
    ...fallback!, id: 'app-call', sipCallId: 'sip-1', startedAt: '2026-12-03T23:39:30.000Z', answeredAt: '2026-12-03T23:39:30.000Z', endedAt: null,
    nodes: [{ node: 'main-menu', at: '2026-12-03T23:39:31.000Z' }], outcome: 'failed', outcomeDetail: { error: 'boom' }, endedNode: null,
    emergency: { requestedAt: '2026-12-03T23:39:33.000Z', acceptedAt: null, acceptedBy: null, acceptSeconds: null, attempts: [], abandonedAt: null, alerted: true, callbackCallId: null },
  };

  it('completes its record: the request stays the application\'s, the acceptance is the dialplan\'s', () => {
    const done = completeHandedOff(app, fallback!)!;
    expect(done).toMatchObject({ id: 'app-call', startedAt: app.startedAt, outcome: 'emergency-accepted', endedAt: fallback!.endedAt, endedNode: 'hotline-fallback' });
    expect(done.nodes.map((n) => n.node)).toEqual(['main-menu', 'hotline-fallback']);
    expect(done.emergency).toMatchObject({ requestedAt: '2026-12-03T23:39:33.000Z', acceptedAt: '2026-12-03T23:39:53.148Z', acceptSeconds: 20.148, alerted: true, via: 'dialplan' });
    expect(done.outcomeDetail).toEqual({ error: 'boom', fallback: fallback!.outcomeDetail });
  });

  it('only once: a completed record is left as it is', () => {
    expect(completeHandedOff(completeHandedOff(app, fallback!)!, fallback!)).toBeNull();
  });
});
