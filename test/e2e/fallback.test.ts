import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { uac, uas } from '../../tools/sipp/index.ts';
import { useStack } from './support/environment.ts';
import { Phones } from './support/phones.ts';
import { AriProbe, eventually } from './support/probes.ts';

/**
 * The emergency path has no single software point of failure: with the
 * application not running, Stasis() fails and the dialplan itself rings the
 * duty targets in order (the caller hears the "connecting" and reassurance
 * prompts as hold sound meanwhile), each officer having to press 1 (Dial's
 * U() gosub).
 */
const env = await useStack();
const phones = new Phones(env);
const ari = new AriProbe(env);

afterEach(async () => {
  await phones.stopAll();
});

describe('dialplan fallback when the application is down', () => {
  it('rings the duty line from the dialplan; the first officer does not accept, the second does', async () => {
    // No application in this file: make sure none is connected.
    const res = await fetch(`${env.ariUrl}/ari/applications`, {
      headers: { authorization: 'Basic ' + Buffer.from(`${env.ariUser}:${env.ariPassword}`).toString('base64') },
    });
    expect(((await res.json()) as Array<{ name: string }>).map((a) => a.name)).not.toContain('hotline');

    const idle = await phones.phone(env.ports.duty1, uas().ring(300).answer().waitForHangup(40_000));
    const officer = await phones.phone(env.ports.duty2, uas().ring(500).answer().pause(1500).dtmf('1').pause(300).speak(3000).hangup());
    const call = await phones.call(uac({ to: '95158', from: '1009' }).speak(2000).waitForHangup(90_000));

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
  });
});
