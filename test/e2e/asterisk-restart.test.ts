import { spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uac, uas } from '../../tools/sipp/index.ts';
import { useStack } from './support/environment.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { eventually, Records } from './support/probes.ts';

/**
 * Asterisk restarts under a running application (`core restart now`: same
 * process, same pid, every call dropped). The application notices, keeps
 * reconnecting, closes the records of the calls that were cut, leaves nothing
 * behind, and answers the next call normally.
 */
const env = await useStack();
const NIGHT = '2026-11-24T23:00:00+08:00';
const phones = new Phones(env);
const records = new Records(env);
let hotline: HotlineProcess;

const health = async () => (await (await fetch(`${env.httpUrl}/health`)).json()) as any;

beforeAll(async () => {
  hotline = await startHotline(env, { now: NIGHT });
});

afterEach(async () => {
  await phones.stopAll();
});

afterAll(async () => {
  await hotline?.stop();
  await records.close();
});

describe('Asterisk restart', () => {
  it('reconnects by itself, closes the cut call and serves the next call', async () => {
    const first = uniqueCaller();
    const cut = await phones.call(uac({ to: '95158', from: first }).waitForHangup(60_000).acceptEarlyHangup());
    await eventually(async () => (await records.byCaller(first))[0]?.nodes.some((n) => n.node === 'after-hours'), 'the first caller in the after-hours message', 30_000);

    const restart = spawnSync('asterisk', ['-C', env.asteriskConf, '-rx', 'core restart now'], { encoding: 'utf8', timeout: 10_000 });
    expect(restart.status).toBe(0);
    const gone = await eventually(async () => { const h = await health(); return h.ari === false ? h : undefined; }, 'the application to notice Asterisk is gone', 15_000, 50);
    // What a load balancer reads: not ready, and why.
    expect(gone).toMatchObject({ ready: false, status: 'degraded' });
    expect(gone.problems).toContain('ari');
    await eventually(async () => (await health()).ari === true, 'the application to reconnect', 60_000);
    await cut.done;

    // The call Asterisk dropped is closed, and nothing of it is left in the application.
    const cutRecord = await records.endedFrom(first, 15_000);
    expect(cutRecord.endedNode).toBe('after-hours');
    const idle = await eventually(async () => {
      const h = await health();
      return h.activeCalls === 0 && h.telephony.legs === 0 && h.telephony.pendingWaits === 0 ? h : undefined;
    }, 'no session to be left', 15_000);
    expect(idle.status).toBe('ok');

    // The next caller gets the full service: the emergency key reaches an officer who accepts.
    const next = uniqueCaller();
    const officer = await phones.phone(env.ports.duty1, uas().ring(300).answer().pause(1500).dtmf('1').pause(300).speak(2000).hangup());
    const call = await phones.call(uac({ to: '95158', from: next }).pause(1500).dtmf('1').waitForHangup(60_000));
    const [callResult, officerResult] = await Promise.all([call.done, officer.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(officerResult.ok, officerResult.errors).toBe(true);
    expect((await records.endedFrom(next)).outcome).toBe('emergency-accepted');
    expect(hotline.errors()).toEqual([]);
  });
});
