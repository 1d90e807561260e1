import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { runSipp, uac, uas, freeUdpPort, type SippProcess } from '../../src/sipp/index.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { AriProbe, eventually, Records } from './support/probes.ts';

/**
 * The emergency path on a real Asterisk with SIPp phones: the caller presses 1,
 * duty phones ring in turn, an officer must press 1, the legs are bridged.
 * Night time (23:00 local) so the after-hours branch is the one exercised.
 */
const env = inject('e2e');
const NIGHT = '2026-11-24T23:00:00+08:00';
let hotline: HotlineProcess;
let records: Records;
const ari = new AriProbe(env);
const sipps: SippProcess[] = [];

function phone(port: number, scenario: Parameters<typeof runSipp>[0]['scenario']): SippProcess {
  const p = runSipp({ scenario, localPort: port, timeoutMs: 120_000 });
  sipps.push(p);
  return p;
}

async function caller(from: string, scenario: ReturnType<typeof uac>): Promise<SippProcess> {
  const p = runSipp({ scenario, remote: `127.0.0.1:${env.ports.sip}`, localPort: await freeUdpPort(), timeoutMs: 120_000 });
  sipps.push(p);
  void from;
  return p;
}

const uniqueCaller = () => `1381234${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;

beforeAll(async () => {
  records = new Records(env);
  hotline = await startHotline(env, { now: NIGHT });
});

afterEach(async () => {
  await Promise.all(sipps.splice(0).map((p) => p.stop()));
});

afterAll(async () => {
  await hotline?.stop();
  await records?.close();
});

describe('emergency duty line (after hours)', () => {
  it('connects a caller who presses 1 during the greeting to the duty officer who presses 1', async () => {
    const from = uniqueCaller();
    const officer = phone(env.ports.duty1, uas().ring(500).answer().pause(1500).dtmf('1').pause(300).speak(6000).waitForHangup(60_000));
    await officer.ready;
    const call = await caller(from, uac({ to: '95158', from }).pause(1500).dtmf('1').pause(3000).speak(14_000).pause(500).hangup());

    // While both are talking, media flows both ways through the bridge.
    const legs = await eventually(async () => {
      const bridges = await ari.bridges();
      const bridge = bridges.find((b) => b.channels.length === 2);
      return bridge?.channels;
    }, 'the caller and the officer to be bridged', 40_000);
    const before = await Promise.all(legs.map((id) => ari.rtp(id)));
    await new Promise((r) => setTimeout(r, 2000));
    const after = await Promise.all(legs.map((id) => ari.rtp(id)));
    for (let i = 0; i < legs.length; i++) {
      expect(after[i]!.rxcount, `RTP received on leg ${i}`).toBeGreaterThan(before[i]!.rxcount + 50);
      expect(after[i]!.txcount, `RTP sent on leg ${i}`).toBeGreaterThan(before[i]!.txcount + 50);
    }

    const [callResult, officerResult] = await Promise.all([call.done, officer.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(officerResult.ok, officerResult.errors).toBe(true);

    const record = await records.endedFrom(from);
    expect(record.outcome).toBe('emergency-accepted');
    expect(record.emergency?.acceptedBy).toBe('duty1');
    expect(record.emergency?.acceptSeconds).toBeGreaterThan(0);
    expect(record.emergency?.acceptSeconds).toBeLessThan(30);
    expect(record.emergency?.attempts.map((a) => a.result)).toEqual(['accepted']);
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'emergency']);
    expect(record.keys.map((k) => k.key)).toEqual(['1']);
    expect(record.answeredAt).not.toBeNull();
    expect(record.endedBy).toBe('caller');
    expect(hotline.errors()).toEqual([]);
  });
});
