import { readFileSync, statSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { channelTimings } from '../../bench/asterisk-log-timing.ts';
import { uac } from '../../tools/sipp/index.ts';
import { useStack } from './support/environment.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { eventually, promptMs, Records } from './support/probes.ts';

/**
 * Keys as callers really press them, on the real Asterisk with SIPp sending
 * RFC 4733 events: a topic key pressed early in the after-hours message (the
 * caller still hears the whole message with the emergency number, HRS-09), and
 * a callback number keyed fast (40 ms keys, 100 ms apart, as a fast typist's
 * phone sends them), with repeated digits: every key arrives once.
 */
const env = await useStack();
const NIGHT = '2026-11-24T23:00:00+08:00';
const phones = new Phones(env);
const records = new Records(env);
const auth = { authorization: `Bearer ${env.adminToken}` };
let hotline: HotlineProcess | undefined;
const ms = (id: string) => promptMs(env, id);
/** File name of a prompt in Asterisk's log, without folder, hash and extension. */
const promptId = (file: string) => file.split('/').pop()!.replace(/-[0-9a-f]{12}(\.\w+)?$/, '');

afterEach(async () => {
  await phones.stopAll();
  await hotline?.stop();
  hotline = undefined;
});

afterAll(async () => {
  await records.close();
});

async function ticketOf(from: string): Promise<any> {
  return eventually(async () => {
    const res = await fetch(`${env.httpUrl}/api/tickets?q=${from}`, { headers: auth });
    const body = (await res.json()) as { tickets: any[] };
    return body.tickets.find((t) => t.callerNumber === from && t.recording.state !== 'recording');
  }, `the ticket of ${from}`, 30_000);
}

describe('keys on a real line', () => {
  it('a topic key early in the after-hours message: the message, with the emergency number, is heard to its end first', async () => {
    hotline = await startHotline(env, { now: NIGHT });
    const offset = statSync(env.asteriskLog).size;
    const from = uniqueCaller();
    const messageAt = ms('greeting-evening') + ms('emergency-first');
    const call = await phones.call(uac({ to: '95158', from }).pause(messageAt + 2000).dtmf('2').pause(ms('after-hours') + 4000).hangup());
    expect((await call.done).ok).toBe(true);

    const record = await records.endedFrom(from);
    expect(record.keys.map((k) => k.key)).toEqual(['2']);
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'hours', 'after-hours', 'voicemail-repair']);
    // Asterisk's own log: the message started before the key and the next prompt (the read-back)
    // only once the message's audio was over.
    const channel = [...channelTimings(readFileSync(env.asteriskLog, 'utf8').slice(offset)).values()].find((t) => t.keys.some((k) => k.key === '2'))!;
    const message = channel.prompts.find((p) => promptId(p.file) === 'after-hours')!;
    const key = channel.keys.find((k) => k.key === '2')!;
    expect(message.at).toBeLessThan(key.at);
    const next = channel.prompts.find((p) => p.at > message.at)!;
    expect(promptId(next.file)).toBe('readback-number');
    expect(next.at - message.at).toBeGreaterThanOrEqual(ms('after-hours') - 100);
  });

  it('a callback number keyed fast (40 ms keys, 100 ms apart), with repeated digits, arrives once per key', async () => {
    hotline = await startHotline(env, { now: NIGHT });
    const offset = statSync(env.asteriskLog).size;
    const from = uniqueCaller();
    const other = '13911223344';
    const inReadback = ms('greeting-evening') + ms('emergency-first') + ms('after-hours') + 3000;
    const secondReadback = ms('readback-number') + other.length * ms('digit-1') + 2000;
    const call = await phones.call(
      uac({ to: '95158', from })
        .pause(ms('greeting-evening') + ms('emergency-first') + 2000).dtmf('4')
        .pause(inReadback - (ms('greeting-evening') + ms('emergency-first') + 2000)).dtmf(`${other}#`, { toneMs: 40, gapMs: 60 })
        .pause(secondReadback).dtmf('1')
        .pause(ms('thank-you') + ms('voicemail-intro') + 2500).speak(3000).dtmf('#')
        .waitForHangup(60_000),
    );
    expect((await call.done).ok).toBe(true);

    const ticket = await ticketOf(from);
    expect(ticket.callbackNumber).toBe(other);
    const record = await records.endedFrom(from);
    expect(record.keys.map((k) => k.key)).toEqual(['4', other, '1']);
    // Asterisk ended each key once: 4, the number, #, 1, and the # that ends the recording.
    const channel = [...channelTimings(readFileSync(env.asteriskLog, 'utf8').slice(offset)).values()].find((t) => t.keys.some((k) => k.key === '4'))!;
    expect(channel.keys.map((k) => k.key).join('')).toBe(`4${other}#1#`);
  });
});
