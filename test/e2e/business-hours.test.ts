import { readFileSync, statSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { channelTimings } from '../../bench/asterisk-log-timing.ts';
import { uac, uas } from '../../tools/sipp/index.ts';
import { useStack } from './support/environment.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { AriProbe, eventually, promptMs, Records } from './support/probes.ts';

/**
 * Business hours (Tuesday 10:00 local): the main menu, the service desk (all
 * desk phones ring, 8 s in this configuration), invalid keys, silence and a
 * caller who hangs up mid-prompt, and 9 for English (checked in Asterisk's own
 * log: what it played, and for how long). Prompt lengths that matter: greeting +
 * emergency-first ≈ 10.6 s, main-menu ≈ 10.4 s, transfer-desk ≈ 5.9 s.
 */
const env = await useStack();
const MORNING = '2026-11-24T10:00:00+08:00';
let hotline: HotlineProcess;
let records: Records;
const phones = new Phones(env);
const ari = new AriProbe(env);
/** When a key lands in the main menu: after the greeting and the emergency sentence, 1.5 s into the menu. */
const inMenu = promptMs(env, 'greeting-morning') + promptMs(env, 'emergency-first') + 1500;
/** Long enough to be connected to a desk phone that answers at once: the transfer sentence, ringing, a few seconds of talk. */
const connected = promptMs(env, 'transfer-desk') + 6000;

beforeAll(async () => {
  records = new Records(env);
  hotline = await startHotline(env, { now: MORNING });
});

afterEach(async () => {
  await phones.stopAll();
});

afterAll(async () => {
  await hotline?.stop();
  await records?.close();
});

describe('business hours', () => {
  it('connects a caller who presses 2 in the main menu to the first desk phone that answers', async () => {
    const from = uniqueCaller();
    const desk1 = await phones.phone(env.ports.desk1, uas().ring(1000).answer().pause(500).speak(3000).waitForHangup(60_000));
    const desk2 = await phones.phone(env.ports.desk2, uas().neverAnswer(40_000));
    const call = await phones.call(uac({ to: '95158', from }).pause(inMenu).dtmf('2').pause(connected).hangup());

    const [callResult, desk1Result, desk2Result] = await Promise.all([call.done, desk1.done, desk2.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(desk1Result.ok, desk1Result.errors).toBe(true);
    // Both desk phones rang at once; the one that did not answer was cancelled.
    expect(desk2Result.events.map((e) => e.name)).toContain('cancel-received');
    const record = await records.endedFrom(from);
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'hours', 'main-menu', 'desk-repair']);
    expect(record.keys.map((k) => k.key)).toEqual(['2']);
    expect(record).toMatchObject({ outcome: 'transferred', category: 'repair', endedBy: 'caller' });
    expect(record.outcomeDetail).toMatchObject({ answeredBy: 'desk1' });
  });

  it('sends a caller to the service desk after three invalid keys', async () => {
    const from = uniqueCaller();
    const desk1 = await phones.phone(env.ports.desk1, uas().ring(500).answer().waitForHangup(60_000));
    const call = await phones.call(uac({ to: '95158', from }).pause(inMenu).dtmf('7').pause(1500).dtmf('8').pause(1500).dtmf('7').pause(promptMs(env, 'invalid-key') + connected).hangup());

    const [callResult, deskResult] = await Promise.all([call.done, desk1.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(deskResult.ok, deskResult.errors).toBe(true);
    const record = await records.endedFrom(from);
    expect(record.keys.map((k) => k.key)).toEqual(['7', '8', '7']);
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'hours', 'main-menu', 'desk']);
    expect(record).toMatchObject({ outcome: 'transferred', category: 'other' });
  });

  it('offers the retry, the duty line and a voicemail when nobody at the desk answers in time', async () => {
    const from = uniqueCaller();
    const desk1 = await phones.phone(env.ports.desk1, uas().neverAnswer(40_000));
    const desk2 = await phones.phone(env.ports.desk2, uas().neverAnswer(40_000));
    // 0 in the main menu; nobody answers (8 s); the caller hangs up while the number is read back.
    const inReadback = inMenu + promptMs(env, 'transfer-desk') + 8000 + promptMs(env, 'desk-unanswered') + 5000 + 3000;
    const call = await phones.call(uac({ to: '95158', from }).pause(inMenu).dtmf('0').pause(inReadback - inMenu).hangup());

    const [callResult, desk1Result] = await Promise.all([call.done, desk1.done, desk2.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(desk1Result.events.map((e) => e.name)).toContain('cancel-received');
    const record = await records.endedFrom(from, 30_000);
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'hours', 'main-menu', 'desk', 'desk-unanswered', 'voicemail']);
    expect(record.outcome).toBe('desk-unanswered');
    expect(record.outcomeDetail.waitSeconds).toBeGreaterThanOrEqual(8);
    expect(record).toMatchObject({ endedBy: 'caller', category: 'other' });
  });

  it('plays the silent-caller script to a caller who neither presses a key nor speaks, then hangs up', async () => {
    const from = uniqueCaller();
    const call = await phones.call(uac({ to: '95158', from }).waitForHangup(140_000));

    const result = await call.done;
    expect(result.ok, result.errors).toBe(true);
    const record = await records.endedFrom(from, 30_000);
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'hours', 'main-menu', 'silent-caller']);
    expect(record.keys).toEqual([]);
    expect(record).toMatchObject({ outcome: 'silent-caller', endedBy: 'hotline', endedNode: 'silent-caller' });
  }, 180_000);

  it('ends quietly when the caller hangs up in the middle of a prompt, and the record says where', async () => {
    const from = uniqueCaller();
    const errorsBefore = hotline.errors().length;
    const call = await phones.call(uac({ to: '95158', from }).pause(3000).hangup());

    expect((await call.done).ok).toBe(true);
    const record = await records.endedFrom(from);
    expect(record).toMatchObject({ outcome: 'abandoned', endedBy: 'caller', endedNode: 'greeting' });
    const health = await eventually(async () => {
      const h = (await (await fetch(`${env.httpUrl}/health`)).json()) as any;
      return h.activeCalls === 0 && h.telephony.legs === 0 && h.telephony.pendingWaits === 0 ? h : undefined;
    }, 'no session to be left', 10_000);
    expect(health.telephony.bridges).toBe(0);
    expect(await ari.channels()).toEqual([]);
    expect(hotline.errors().slice(errorsBefore)).toEqual([]);
  });
});

describe('language', () => {
  it('a caller who presses 9 hears English prompts afterwards, each played to its end', async () => {
    const offset = statSync(env.asteriskLog).size;
    const from = uniqueCaller();
    const english = promptMs(env, 'language-english', 'en-US') + promptMs(env, 'emergency-first', 'en-US');
    const call = await phones.call(uac({ to: '95158', from }).pause(inMenu).dtmf('9').pause(english + 3000).hangup());
    expect((await call.done).ok).toBe(true);

    const record = await records.endedFrom(from);
    expect(record.language).toBe('en-US');
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'hours', 'main-menu', 'english', 'english-menu', 'main-menu']);

    const log = readFileSync(env.asteriskLog, 'utf8').slice(offset);
    const channel = [...channelTimings(log).values()].find((t) => t.keys.some((k) => k.key === '9'));
    expect(channel).toBeDefined();
    const nine = channel!.keys.find((k) => k.key === '9')!.at;
    const before = channel!.prompts.filter((p) => p.at < nine).map((p) => p.file);
    const after = channel!.prompts.filter((p) => p.at >= nine);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((f) => f.includes('/zh-CN/'))).toBe(true);
    expect(after.map((p) => p.file.split('/').slice(-2).join('/').replace(/-[0-9a-f]{12}(\.\w+)?$/, ''))).toEqual([
      'en-US/language-english',
      'en-US/emergency-first',
      'en-US/main-menu',
    ]);
    // Played to the end: the next prompt starts when the file's audio is over.
    const gap = after[1]!.at - after[0]!.at;
    expect(Math.abs(gap - promptMs(env, 'language-english', 'en-US'))).toBeLessThan(300);
  });
});
