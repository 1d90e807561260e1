/**
 * SIPp against SIPp (and against a fake Node phone for the RTP), all on
 * 127.0.0.1 with free ports: the scenarios and the runner, no Asterisk. The
 * tests wait for conditions (events, exits); pauses are inside the scenarios.
 */
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freeUdpPort } from '../../../tools/sipp/ports.ts';
import { runSipp, runningSippPids, stopAllSipp } from '../../../tools/sipp/runner.ts';
import { uac, uas, uasCalls } from '../../../tools/sipp/scenario.ts';
import { receivedKeys, startFakePhone } from './fake-phone.ts';
import { TIMEOUT_MS, at, call, caller, names, phone, why } from './sipp-pair.ts';

afterEach(async () => {
  await stopAllSipp();
});

afterAll(() => {
  expect(runningSippPids()).toEqual([]);
});

describe('SIPp caller and phone on 127.0.0.1', () => {
  it('SIPp 3.6 is installed (npm test installs it, see scripts/setup.mjs): these tests need it', () => {
    const version = spawnSync('sipp', ['-v'], { encoding: 'utf8' });
    expect(version.error, 'sipp is not on PATH').toBeUndefined();
    expect(version.stdout).toMatch(/SIPp v3\.6/);
  });

  it('a caller dials, presses 1, speaks and hangs up; the phone answers and sees the BYE', async () => {
    const desk = await phone(uas().ring(100).answer().waitForHangup(10_000));
    const c = await call(caller().pause(100).dtmf('1').speak(500).hangup(), desk.localPort);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok, why(d)).toBe(true);
    expect([c.successfulCalls, c.failedCalls, d.successfulCalls, d.failedCalls]).toEqual([1, 0, 1, 0]);
    expect(names(c.events)).toEqual(['invite 95158', 'ringing', 'answered', 'dtmf 1', 'speak 500', 'hangup']);
    expect(names(d.events)).toEqual(['invite 13812345678', 'ringing', 'answered', 'bye-received']);
    // times (lower bounds only: a loaded machine delays, never hastens): the phone rang 100 ms (on its own
    // clock: the caller may read 180 and 200 together), the caller paused 100 ms before the key, the BYE
    // came after the hangup. SIPp times pauses on its own millisecond tick but stamps events in
    // microseconds, so a pause may show up to a tick (plus rounding) short: 98 ms is the bound.
    expect(at(d.events, 'answered') - at(d.events, 'ringing')).toBeGreaterThanOrEqual(98);
    expect(at(c.events, 'dtmf') - at(c.events, 'answered')).toBeGreaterThanOrEqual(98);
    expect(at(d.events, 'bye-received')).toBeGreaterThanOrEqual(at(c.events, 'hangup'));
    expect(c.messages).toContain('INVITE sip:95158@127.0.0.1');
  });

  it('a phone that rejects with 486 makes the caller fail', async () => {
    const desk = await phone(uas().reject(486));
    const c = await call(caller(), desk.localPort);
    const d = await desk.done;
    expect(d.ok, why(d)).toBe(true);
    expect(c.ok).toBe(false);
    expect(c.exitCode).toBe(1);
    expect([c.successfulCalls, c.failedCalls]).toEqual([0, 1]);
    expect(names(c.events)).toEqual(['invite 95158', 'rejected 486']);
    // the caller still ACKed the 486
    expect(names(d.events)).toEqual(['invite 13812345678', 'rejected 486']);
  });

  it('a caller can expect the rejection', async () => {
    const desk = await phone(uas().ring(50).reject(603));
    const c = await call(caller().expectRejected(603), desk.localPort);
    expect(c.ok, why(c)).toBe(true);
    expect((await desk.done).ok).toBe(true);
  });

  it('a phone that never answers and a caller that gives up after 300 ms both succeed', async () => {
    const duty = await phone(uas().neverAnswer(10_000));
    const c = await call(caller().cancelAfter(300).dtmf('1'), duty.localPort);
    const d = await duty.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok, why(d)).toBe(true);
    expect(names(c.events)).toEqual(['invite 95158', 'ringing', 'cancel-sent', 'cancelled']);
    expect(at(c.events, 'cancel-sent') - at(c.events, 'ringing')).toBeGreaterThanOrEqual(290);
    expect(names(d.events)).toEqual(['invite 13812345678', 'ringing', 'cancel-received', 'cancelled']);
  });

  it('a phone cancelled while ringing before its answer fails the call', async () => {
    const desk = await phone(uas().ring(5000).answer().waitForHangup(5000));
    const c = await call(caller().cancelAfter(200), desk.localPort);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok).toBe(false);
    expect(names(d.events)).toEqual(['invite 13812345678', 'ringing', 'cancel-received', 'cancelled']);
  });

  it('one duty phone, two calls: never answers the first, answers the second', async () => {
    const duty = await phone(uasCalls(uas().neverAnswer(10_000), uas().ring(100).answer().pause(200).hangup()));
    const first = await call(caller('13800000001').cancelAfter(200), duty.localPort);
    const second = await call(caller('13800000002').waitForHangup(5000), duty.localPort);
    const d = await duty.done;
    expect(first.ok, why(first)).toBe(true);
    expect(second.ok, why(second)).toBe(true);
    expect(d.ok, why(d)).toBe(true);
    expect(d.successfulCalls).toBe(2);
    expect(d.events.filter((e) => e.call === 1).map((e) => e.name)).toEqual(['invite', 'ringing', 'cancel-received', 'cancelled']);
    expect(names(d.events.filter((e) => e.call === 2))).toEqual(['invite 13800000002', 'ringing', 'answered', 'hangup']);
    expect(names(second.events)).toEqual(['invite 95158', 'ringing', 'answered', 'bye-received']);
  });

  it('waitForHangup fails the call when no BYE comes in time', async () => {
    const desk = await phone(uas().answer().waitForHangup(10_000));
    const c = await call(caller().waitForHangup(300), desk.localPort);
    expect(c.ok).toBe(false);
    expect(c.failedCalls).toBe(1);
    expect(names(c.events)).toEqual(['invite 95158', 'answered']);
  });

  it('the RTP of a caller: one stream, every key once (even repeated), voice as PCMU', async () => {
    const fake = await startFakePhone();
    try {
      const c = await call(caller().pause(50).dtmf('1').dtmf('1').dtmf('12#').speak(200).hangup(), fake.sipPort);
      expect(c.ok, why(c)).toBe(true);
      await fake.bye;
      expect(receivedKeys(fake.rtp)).toMatchObject([
        { key: '1', ended: true },
        { key: '1', ended: true },
        { key: '1', ended: true },
        { key: '2', ended: true },
        { key: '#', ended: true },
      ]);
      expect(new Set(fake.rtp.map((p) => p.ssrc)).size).toBe(1);
      for (let i = 1; i < fake.rtp.length; i++) {
        expect(fake.rtp[i]!.seq - fake.rtp[i - 1]!.seq).toBeGreaterThanOrEqual(0); // end packets repeat their number
        expect(fake.rtp[i]!.seq - fake.rtp[i - 1]!.seq).toBeLessThanOrEqual(1);
      }
      const voice = fake.rtp.filter((p) => p.payloadType === 0);
      expect(voice.length).toBe(5 + 10); // 100 ms lead-in + 200 ms
      expect(voice.every((p) => p.payload.length === 160)).toBe(true);
    } finally {
      await fake.close();
    }
  });

  it('waitForEvent follows a running SIPp; stop() ends it by its pid', async () => {
    const desk = await phone(uas().answer().waitForHangup(10_000));
    const c = runSipp({ scenario: caller().pause(10_000).hangup(), remote: `127.0.0.1:${desk.localPort}`, localPort: await freeUdpPort(), timeoutMs: TIMEOUT_MS });
    const answered = await desk.waitForEvent('answered', { timeoutMs: 5000 });
    expect(answered.call).toBe(1);
    await c.waitForEvent('answered', { timeoutMs: 5000 });
    expect(c.events().map((e) => e.name)).toEqual(['invite', 'answered']);
    const pids = [desk.pid!, c.pid!];
    const [cr, dr] = await Promise.all([c.stop(), desk.stop()]);
    expect(cr.stopped && dr.stopped).toBe(true);
    expect(cr.ok || dr.ok).toBe(false);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    await expect(desk.waitForEvent('bye-received')).rejects.toThrow(/exited/);
  });

  it('a load run: one caller SIPp places three calls, one phone SIPp takes them', async () => {
    const desk = await phone(uas().answer().waitForHangup(5000), 3);
    const c = await call(uac({ to: '95158', from: '1380000000[call_number]' }).pause(100).dtmf('1').hangup(), desk.localPort, 3);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok, why(d)).toBe(true);
    expect([c.successfulCalls, d.successfulCalls]).toEqual([3, 3]);
    expect(d.events.filter((e) => e.name === 'invite').map((e) => e.detail).sort()).toEqual(['13800000001', '13800000002', '13800000003']);
  });

  it("an out-of-call OPTIONS (Asterisk's qualify) is answered and takes no call slot", async () => {
    const desk = await phone(uas().answer().waitForHangup(5000));
    const socket = dgram.createSocket('udp4');
    try {
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
      const reply = new Promise<string>((resolve) => socket.once('message', (m) => resolve(m.toString())));
      const port = socket.address().port;
      const options = [
        `OPTIONS sip:127.0.0.1:${desk.localPort} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-qualify-${port};rport`,
        'From: <sip:asterisk@127.0.0.1>;tag=q1',
        `To: <sip:127.0.0.1:${desk.localPort}>`,
        `Call-ID: qualify-${port}@127.0.0.1`,
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 70',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      socket.send(options, desk.localPort, '127.0.0.1');
      expect((await reply).split('\r\n')[0]).toBe('SIP/2.0 200 OK');
    } finally {
      socket.close();
    }
    const c = await call(caller().pause(100).hangup(), desk.localPort);
    const d = await desk.done;
    expect(c.ok, why(c)).toBe(true);
    expect(d.ok, why(d)).toBe(true);
    expect(d.successfulCalls).toBe(1);
    expect(names(d.events)).toEqual(['out-of-call OPTIONS', 'invite 13812345678', 'answered', 'bye-received']);
  });
});
