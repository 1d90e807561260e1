import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../src/domain/call-record.ts';
import type { MonthlyFigures } from '../../src/figures/kpi.ts';
import { localDate, monthOf } from '../../src/figures/month.ts';
import { uac, uas } from '../../tools/sipp/index.ts';
import { useStack } from './support/environment.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { AriProbe, eventually } from './support/probes.ts';

/**
 * The emergency path has no single software point of failure: with the
 * application not running, Stasis() fails and the dialplan itself rings the
 * duty targets in order (the caller hears the "connecting" and reassurance
 * prompts as hold sound meanwhile), each officer having to press 1 (Dial's
 * U() gosub). The call leaves Asterisk's CDR, which the application,
 * started afterwards, imports into its call records (src/cdr/): the call
 * counts in the answer rate and the emergency figures like any other.
 */
const env = await useStack();
const phones = new Phones(env);
const ari = new AriProbe(env);
const TIME_ZONE = 'Asia/Shanghai';
let hotline: HotlineProcess | undefined;

afterEach(async () => {
  await phones.stopAll();
});

afterAll(async () => {
  await hotline?.stop();
});

async function api<T>(url: string): Promise<T> {
  const res = await fetch(`${env.httpUrl}${url}`, { headers: { authorization: `Bearer ${env.adminToken}` } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function ariApplications(): Promise<string[]> {
  const res = await fetch(`${env.ariUrl}/ari/applications`, {
    headers: { authorization: 'Basic ' + Buffer.from(`${env.ariUser}:${env.ariPassword}`).toString('base64') },
  });
  return ((await res.json()) as Array<{ name: string }>).map((a) => a.name);
}

/** The record of the call from `from` once the application has imported it. */
async function importedCall(from: string, since: Date): Promise<CallRecord> {
  const url = `/api/calls?since=${new Date(since.getTime() - 60_000).toISOString()}&limit=500`;
  return eventually(async () => (await api<{ calls: CallRecord[] }>(url)).calls.find((c) => c.callerNumber === from), 'the fallback call in the call records', 30_000);
}

describe('dialplan fallback when the application is down', () => {
  it('rings the duty line from the dialplan; the first officer does not accept, the second does', async () => {
    // No application yet: make sure none is connected.
    expect(await ariApplications()).not.toContain('hotline');

    const idle = await phones.phone(env.ports.duty1, uas().ring(300).answer().waitForHangup(40_000));
    const officer = await phones.phone(env.ports.duty2, uas().ring(500).answer().pause(1500).dtmf('1').pause(300).speak(3000).hangup());
    const from = uniqueCaller();
    const arrived = new Date();
    const call = await phones.call(uac({ to: '95158', from }).speak(2000).waitForHangup(90_000));

    const bridged = await eventually(async () => (await ari.channels()).length === 2 && (await officer.events()).some((e) => e.name === 'dtmf'), 'the officer to accept', 60_000);
    expect(bridged).toBe(true);
    const [callResult, idleResult, officerResult] = await Promise.all([call.done, idle.done, officer.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    // duty1 answered but pressed nothing: the dialplan hung it up and moved on.
    expect(idleResult.ok, idleResult.errors).toBe(true);
    expect(officerResult.ok, officerResult.errors).toBe(true);
    const log = await readFile(env.asteriskLog, 'utf8');
    expect(log).toMatch(/Stasis app 'hotline' not registered/);
    expect(log).toMatch(/application not connected: ringing the duty line from the dialplan/);
    // The duty-wait prompts were the caller's hold sound from the first Dial on (no prompt before dialling).
    expect(log).toMatch(/Started music on hold, class 'duty-wait', on channel 'PJSIP\/trunk-/);
    expect(log).not.toMatch(/duty-wait[^\n]*(no files|unable|not found)/i);

    // Every call counts: the application, started after the call, imports it from Asterisk's CDR by itself.
    hotline = await startHotline(env, { now: new Date().toISOString() });
    const record = await importedCall(from, arrived);
    expect(record).toMatchObject({ direction: 'inbound', calledNumber: '95158', outcome: 'emergency-accepted', endedNode: 'hotline-fallback' });
    expect(record.sipCallId).not.toBe('');
    expect(Date.parse(record.startedAt)).toBeGreaterThanOrEqual(arrived.getTime() - 2000);
    expect(Date.parse(record.answeredAt!) - Date.parse(record.startedAt)).toBeLessThan(1000);
    const e = record.emergency as CallRecord['emergency'] & { via: string };
    expect(e).toMatchObject({ via: 'dialplan', acceptedBy: 'duty2', abandonedAt: null });
    expect(e.attempts.map((a) => [a.target, a.result])).toEqual([['duty1', 'no-key'], ['duty2', 'accepted']]);
    // Accepted after duty1's ring, announcement and time to press 1 had passed, and duty2's announcement.
    expect(e.acceptSeconds).toBeGreaterThan(5);
    expect(Date.parse(e.acceptedAt!)).toBeLessThan(Date.parse(record.endedAt!));

    // The month's figures count it: in the answer rate and as an accepted emergency call of its day.
    const started = new Date(record.startedAt);
    const figures = await api<MonthlyFigures>(`/api/figures/monthly?month=${monthOf(started, TIME_ZONE)}`);
    const answerRate = figures.figures.find((f) => f.key === 'answerRate')!;
    expect(answerRate.denominator).toBeGreaterThanOrEqual(1);
    expect(answerRate.numerator).toBeGreaterThanOrEqual(1);
    expect(figures.emergency.accepted).toBeGreaterThanOrEqual(1);
    expect(figures.emergency.acceptSeconds!.max).toBeGreaterThanOrEqual(e.acceptSeconds!);
    expect(figures.days.find((d) => d.date === localDate(started, TIME_ZONE))).toMatchObject({ answered: expect.any(Number), emergencies: expect.any(Number) });
    expect(figures.days.find((d) => d.date === localDate(started, TIME_ZONE))!.emergencies).toBeGreaterThanOrEqual(1);
    // Imported once: a restart of the application does not count it again.
    await hotline.stop();
    hotline = await startHotline(env, { now: new Date().toISOString() });
    await eventually(async () => {
      const health = (await (await fetch(`${env.httpUrl}/health`)).json()) as { cdrImport?: { lastRunAt: string | null; pendingBytes: number } };
      return health.cdrImport?.lastRunAt !== null && health.cdrImport?.pendingBytes === 0;
    }, 'the restarted application to have read the CDR file', 20_000);
    const again = await api<MonthlyFigures>(`/api/figures/monthly?month=${monthOf(started, TIME_ZONE)}`);
    expect(again.figures.find((f) => f.key === 'answerRate')!.denominator).toBe(answerRate.denominator);
    const since = new Date(arrived.getTime() - 60_000).toISOString();
    expect((await api<{ calls: CallRecord[] }>(`/api/calls?since=${since}&limit=500`)).calls.filter((c) => c.callerNumber === from)).toHaveLength(1);
    expect(hotline.errors()).toEqual([]);
  });

  it('a caller who hangs up while the dialplan rings the duty line counts as an abandoned emergency call', async () => {
    await hotline?.stop();
    hotline = undefined;
    await eventually(async () => !(await ariApplications()).includes('hotline'), 'the application to be gone from Asterisk', 10_000);
    const ringing = await phones.phone(env.ports.duty1, uas().neverAnswer(30_000));
    const from = uniqueCaller();
    const arrived = new Date();
    const call = await phones.call(uac({ to: '95158', from }).pause(4000).hangup());
    const [callResult, ringingResult] = await Promise.all([call.done, ringing.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(ringingResult.events.map((e) => e.name)).toContain('cancel-received');

    hotline = await startHotline(env, { now: new Date().toISOString() });
    const record = await importedCall(from, arrived);
    expect(record).toMatchObject({ direction: 'inbound', outcome: 'emergency-abandoned', endedNode: 'hotline-fallback' });
    expect(record.emergency).toMatchObject({ via: 'dialplan', acceptedAt: null, acceptSeconds: null, abandonedAt: record.endedAt });
    expect(record.emergency!.attempts.map((a) => [a.target, a.result])).toEqual([['duty1', 'caller-gone']]);
    const started = new Date(record.startedAt);
    const figures = await api<MonthlyFigures>(`/api/figures/monthly?month=${monthOf(started, TIME_ZONE)}`);
    expect(figures.emergency.abandoned).toBeGreaterThanOrEqual(1);
    expect(figures.figures.find((f) => f.key === 'answerRate')!.denominator).toBeGreaterThanOrEqual(2);
    expect(hotline.errors()).toEqual([]);
  });
});
