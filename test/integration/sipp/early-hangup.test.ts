/**
 * A far-end hang-up while a script waits (pause, dtmf, speak, ringing): the
 * call ends at once with 200 OK and `bye-received`; a success if only a
 * waitForHangup was left (or with acceptEarlyHangup), else a failure with
 * `hangup-early <step>`. SIPp against SIPp on 127.0.0.1; the far end hangs up
 * well inside the interrupted wait (margins of 700 ms and more), and the tests
 * wait for the runs to end, no sleeps.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runningSippPids, stopAllSipp, type SippResult } from '../../../tools/sipp/runner.ts';
import type { Scenario } from '../../../tools/sipp/scenario.ts';
import { uas } from '../../../tools/sipp/uas-scenario.ts';
import { at, call, caller, names, phone, why } from './sipp-pair.ts';

afterEach(async () => {
  await stopAllSipp();
});

afterAll(() => {
  expect(runningSippPids()).toEqual([]);
});

/** Ended cleanly: no SIPp timeout, no unexpected message, every BYE sent once (no retransmissions). */
function clean(r: SippResult): void {
  expect(r.timedOut, why(r)).toBe(false);
  expect(r.durationMs, why(r)).toBeLessThan(4000);
  expect(r.errors ?? '', why(r)).not.toMatch(/unexpected|Aborting/i);
  expect((r.messages ?? '').match(/^BYE sip:/gm)?.length ?? 0, why(r)).toBeLessThanOrEqual(1);
}

describe('a phone (UAS) whose caller hangs up while it waits', () => {
  it('during the clip of its key, with only waitForHangup left: success', async () => {
    // The key is held 3 s: the wait after it runs from about 200 to 3340 ms after the answer.
    const desk = await phone(uas().answer().pause(200).dtmf('2', { toneMs: 3000 }).waitForHangup(10_000));
    const c = await call(caller().pause(1000).hangup(), desk.localPort);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok, why(d)).toBe(true);
    expect([d.successfulCalls, d.failedCalls]).toEqual([1, 0]);
    expect(names(d.events)).toEqual(['invite 13812345678', 'answered', 'dtmf 2', 'bye-received']);
    // ended early: the wait after the key would have lasted over 3 s
    expect(at(d.events, 'bye-received') - at(d.events, 'dtmf')).toBeLessThan(2500);
    clean(d);
    clean(c);
  });

  it('during a plain pause before waitForHangup: success', async () => {
    const desk = await phone(uas().answer().pause(5000).mark('late').waitForHangup(10_000));
    const c = await call(caller().pause(300).hangup(), desk.localPort);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok, why(d)).toBe(true);
    expect(names(d.events)).toEqual(['invite 13812345678', 'answered', 'bye-received']);
    clean(d);
  });

  it('during a pause before its own hangup(): the call ends at once, failed, with hangup-early pause', async () => {
    const desk = await phone(uas().answer().pause(5000).dtmf('1').hangup());
    const c = await call(caller().pause(300).hangup(), desk.localPort);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true); // its BYE got 200
    expect(d.ok).toBe(false);
    expect([d.exitCode, d.successfulCalls, d.failedCalls]).toEqual([1, 0, 1]);
    expect(names(d.events)).toEqual(['invite 13812345678', 'answered', 'bye-received', 'hangup-early pause']);
    clean(d);
    clean(c);
  });

  it('during its talk, before its own hangup(): hangup-early speak', async () => {
    const desk = await phone(uas().answer().speak(5000).hangup());
    const c = await call(caller().pause(500).hangup(), desk.localPort);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok).toBe(false);
    expect(names(d.events)).toEqual(['invite 13812345678', 'answered', 'speak 5000', 'bye-received', 'hangup-early speak']);
    clean(d);
  });

  it('with acceptEarlyHangup(): success whatever was left, still telling hangup-early', async () => {
    const desk = await phone(uas().answer().pause(5000).dtmf('1').hangup().acceptEarlyHangup());
    const c = await call(caller().pause(300).hangup(), desk.localPort);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok, why(d)).toBe(true);
    expect(names(d.events)).toEqual(['invite 13812345678', 'answered', 'bye-received', 'hangup-early pause']);
    clean(d);
  });
});

describe('a caller (UAC) whose far end hangs up while it waits', () => {
  it('during a pause before waitForHangup: success', async () => {
    const desk = await phone(uas().answer().pause(300).hangup());
    const c = await call(caller().pause(5000).waitForHangup(10_000), desk.localPort);
    const d = await desk.done;
    expect(d.ok, why(d)).toBe(true);
    expect(c.ok, why(c)).toBe(true);
    expect(names(c.events)).toEqual(['invite 95158', 'answered', 'bye-received']);
    clean(c);
  });

  it('during a pause before its own hangup(): no BYE of its own, failed at once with hangup-early pause', async () => {
    const desk = await phone(uas().answer().pause(300).hangup());
    const c = await call(caller().pause(5000).dtmf('1').hangup(), desk.localPort);
    const d = await desk.done;
    expect(d.ok, why(d)).toBe(true); // its BYE got 200
    expect(c.ok).toBe(false);
    expect([c.exitCode, c.successfulCalls, c.failedCalls]).toEqual([1, 0, 1]);
    expect(names(c.events)).toEqual(['invite 95158', 'answered', 'bye-received', 'hangup-early pause']);
    expect(c.messages).not.toMatch(/^BYE sip:95158/m);
    clean(c);
  });

  it('with acceptEarlyHangup(): success (a script that may outlast the call)', async () => {
    const desk = await phone(uas().answer().pause(300).hangup());
    const c = await call(caller().acceptEarlyHangup().pause(5000).dtmf('1').speak(), desk.localPort);
    expect(c.ok, why(c)).toBe(true);
    expect([c.successfulCalls, c.failedCalls]).toEqual([1, 0]);
    expect(names(c.events)).toEqual(['invite 95158', 'answered', 'bye-received', 'hangup-early pause']);
    expect((await desk.done).ok).toBe(true);
    clean(c);
  });
});

/** A caller that hangs up with a BYE on the early dialog as soon as the phone rings (RFC 3261 15 allows it). */
function byeWhileRinging(): Scenario {
  const from = 'From: <sip:13812345678@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]';
  const via = (b: string) => `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-early-[call_number]-${b};rport`;
  const msg = (lines: string[]) => `<![CDATA[\n${lines.join('\n')}\n\n]]>`;
  const xml = `<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="bye while ringing">
  <send retrans="500">${msg([
    'INVITE sip:95158@[remote_ip]:[remote_port] SIP/2.0', via('inv'), from, 'To: <sip:95158@[remote_ip]:[remote_port]>',
    'Call-ID: [call_id]', 'CSeq: 1 INVITE', 'Contact: <sip:13812345678@[local_ip]:[local_port]>', 'Max-Forwards: 70',
    'Content-Type: application/sdp', 'Content-Length: [len]', '',
    'v=0', 'o=- 1 1 IN IP4 [local_ip]', 's=-', 'c=IN IP4 [media_ip]', 't=0 0', 'm=audio [media_port] RTP/AVP 0', 'a=rtpmap:0 PCMU/8000',
  ])}</send>
  <recv response="100" optional="true"/>
  <recv response="180" rrs="true"/>
  <send retrans="500">${msg([
    'BYE [next_url] SIP/2.0', via('bye'), from, 'To: <sip:95158@[remote_ip]:[remote_port]>[peer_tag_param]',
    'Call-ID: [call_id]', 'CSeq: 2 BYE', 'Max-Forwards: 70', 'Content-Length: 0',
  ])}</send>
  <recv response="200" timeout="5000"/>
  <recv response="487" timeout="5000"/>
  <send>${msg([
    'ACK sip:95158@[remote_ip]:[remote_port] SIP/2.0', via('inv'), from, '[last_To:]', 'Call-ID: [call_id]', 'CSeq: 1 ACK',
    'Max-Forwards: 70', 'Content-Length: 0',
  ])}</send>
</scenario>
`;
  return { role: 'uac', calls: 1, build: () => ({ xml, files: [] }) };
}

describe('a phone whose caller hangs up (BYE) while it rings', () => {
  it('before its answer: 200, 487 for the INVITE, ACK; failed with hangup-early ring', async () => {
    const desk = await phone(uas().ring(5000).answer().waitForHangup(5000));
    const c = await call(byeWhileRinging(), desk.localPort);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok).toBe(false);
    expect(d.failedCalls).toBe(1);
    expect(names(d.events)).toEqual(['invite 13812345678', 'ringing', 'bye-received', 'hangup-early ring']);
    clean(d);
  });

  it('while never answering: the caller gave up as expected, success', async () => {
    const desk = await phone(uas().neverAnswer(5000));
    const c = await call(byeWhileRinging(), desk.localPort);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok, why(d)).toBe(true);
    expect(names(d.events)).toEqual(['invite 13812345678', 'ringing', 'bye-received']);
    clean(d);
  });
});
