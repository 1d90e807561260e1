import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { uac, uas } from '../../tools/sipp/index.ts';
import { useStack } from './support/environment.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { AriProbe, eventually, promptMs, Records } from './support/probes.ts';

/**
 * A caller in the menu when the application dies (SIGKILL, as in a crash) stays
 * in Asterisk's Stasis application; the restarted application finds the call,
 * apologises and continues from the menu the caller was in.
 */
const env = await useStack();
const MORNING = '2026-11-24T10:00:00+08:00';
const phones = new Phones(env);
const ari = new AriProbe(env);
const records = new Records(env);
const started: HotlineProcess[] = [];

afterEach(async () => {
  await phones.stopAll();
  await Promise.all(started.splice(0).map((h) => h.stop()));
});

afterAll(async () => {
  await records.close();
});

describe('application restart', () => {
  it('picks up a caller who was in the main menu when the application was killed', async () => {
    const from = uniqueCaller();
    const first = await startHotline(env, { now: MORNING });
    started.push(first);
    const desk = await phones.phone(env.ports.desk1, uas().ring(500).answer().waitForHangup(90_000));
    // The key comes once the restarted application has picked the caller up again (a restart takes up to ~10 s).
    const afterRestart = promptMs(env, 'greeting-morning') + promptMs(env, 'emergency-first') + promptMs(env, 'call-resumed') + 10_000;
    const call = await phones.call(uac({ to: '95158', from }).pause(afterRestart).dtmf('2').pause(promptMs(env, 'transfer-desk') + 10_000).hangup());

    // Once the caller is in the menu (stored on the channel and in the record), the application dies.
    await eventually(async () => (await records.byCaller(from))[0]?.nodes.some((n) => n.node === 'main-menu'), 'the caller to reach the menu', 30_000);
    await first.kill();
    // The caller is still there, parked in the application, while no process serves it.
    const channels = await ari.channels();
    expect(channels).toHaveLength(1);
    expect(channels[0]!.dialplan.app_name).toBe('Stasis');

    const second = await startHotline(env, { now: MORNING });
    started.push(second);
    await second.waitForLog((l) => l.msg === 'picked up again after a restart', 20_000);

    const [callResult, deskResult] = await Promise.all([call.done, desk.done]);
    expect(callResult.ok, callResult.errors).toBe(true);
    expect(deskResult.ok, deskResult.errors).toBe(true);
    const record = await records.endedFrom(from, 30_000);
    expect(record.resumedCount).toBe(1);
    expect(record.nodes.map((n) => n.node)).toEqual(['greeting', 'hours', 'main-menu', 'main-menu', 'desk-repair']);
    expect(record).toMatchObject({ outcome: 'transferred', category: 'repair', endedBy: 'caller' });
    expect(second.errors()).toEqual([]);
    await eventually(async () => (await ari.channels()).length === 0, 'the call to be gone', 10_000);
  });
});
