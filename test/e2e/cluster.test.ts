import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uac, uas, uasCalls } from '../../tools/sipp/index.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { OutboundProbe } from './support/outbound.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { eventually, Records } from './support/probes.ts';
import { leaveVoicemail } from './support/voicemail-call.ts';

/**
 * Three nodes (Asterisk + application each) on one PostgreSQL behind a real
 * Kamailio (kamailio-config/, probing every second), callers, phones and the
 * trunk played by SIPp. The cluster is this file's own (it does not take the
 * shared e2e stacks); the tests run in order and the last one kills a node's
 * Asterisk for good.
 */
const NIGHT = '2026-11-24T23:00:00+08:00';
const MORNING = '2026-11-24T10:00:00+08:00';
let cluster: Cluster;
const apps = new Map<string, HotlineProcess>();
let records: Records;
let phones: Phones;
let probe: OutboundProbe;

const startApp = async (i: number, now = NIGHT) => {
  apps.set(cluster.ids[i]!, await startHotline(cluster.nodes[i]!.env, { now }));
};
const stopApp = async (i: number) => {
  await apps.get(cluster.ids[i]!)?.stop();
  apps.delete(cluster.ids[i]!);
};
const env = (id: string) => cluster.nodes[cluster.ids.indexOf(id)]!.env;

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3, rtpBase: 20000 + Math.floor(Math.random() * 80) * 100 });
  records = new Records(cluster.entry);
  phones = new Phones(cluster.entry);
  probe = new OutboundProbe(cluster.entry);
  await Promise.all(cluster.ids.map((_, i) => startApp(i)));
}, 180_000);

afterEach(async () => {
  await phones.stopAll();
});

afterAll(async () => {
  await Promise.all([...apps.values()].map((a) => a.stop()));
  await records?.close();
  await probe?.close();
  await cluster?.stop();
});

/** A caller who listens for a moment and hangs up. */
const shortCall = (from: string) => uac({ to: '95158', from }).pause(1500).hangup();
/** A duty officer who answers, presses 1 and talks until the caller hangs up. */
const accepting = () => uas().ring(500).answer().pause(1500).dtmf('1').pause(300).speak(2000).waitForHangup(90_000);

/** Places short calls one after another and returns the node of each (from its call record). */
async function nodesOfCalls(n: number): Promise<string[]> {
  const callers = Array.from({ length: n }, () => uniqueCaller('1391000'));
  const calls = [];
  for (const from of callers) calls.push(await phones.call(shortCall(from)));
  for (const r of await Promise.all(calls.map((c) => c.done))) expect(r.ok, r.errors).toBe(true);
  return Promise.all(callers.map(async (from) => (await records.endedFrom(from)).nodeId!));
}

describe('several nodes behind Kamailio', () => {
  it('spreads calls over all nodes; each call record names its node', async () => {
    expect(new Set(await nodesOfCalls(6))).toEqual(new Set(cluster.ids));
  });

  it('a voicemail recorded on one node is listed and played through another node', async () => {
    const from = uniqueCaller('1392000');
    const call = await leaveVoicemail(phones, cluster.nodes[0]!.env, from, 4000);
    expect((await call.done).ok).toBe(true);
    const recordedOn = (await records.endedFrom(from)).nodeId!;
    const other = env(cluster.ids.find((id) => id !== recordedOn)!);
    const auth = { authorization: `Bearer ${other.adminToken}` };
    const ticket = await eventually(async () => {
      const res = await fetch(`${other.httpUrl}/api/tickets?q=${from}`, { headers: auth });
      return res.ok ? ((await res.json()) as { tickets: any[] }).tickets.find((t) => t.callerNumber === from && t.recording.state === 'stored') : undefined;
    }, 'the ticket with its audio, through another node', 30_000);
    expect(ticket.recording.node).toBe(recordedOn);
    const audio = await fetch(`${other.httpUrl}${ticket.recording.url}`, { headers: auth });
    expect(audio.status).toBe(200);
    const body = Buffer.from(await audio.arrayBuffer());
    expect(body.length).toBe(ticket.recording.bytes);
    expect(body.toString('ascii', 0, 4)).toBe('RIFF');
    const part = await fetch(`${other.httpUrl}${ticket.recording.url}`, { headers: { ...auth, range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer())).toEqual(body.subarray(100, 200));
  });

  it("a node whose application is stopped gets no calls; with every application stopped an emergency still reaches a duty phone", async () => {
    const down = cluster.ids[2]!;
    await stopApp(2);
    const nodes = await nodesOfCalls(6);
    expect(nodes).not.toContain(down);
    expect(new Set(nodes)).toEqual(new Set(cluster.ids.slice(0, 2)));

    // No application anywhere: the balancer's last node takes the call and its dialplan rings the duty line.
    await Promise.all([stopApp(0), stopApp(1)]);
    const officer = await phones.phone(cluster.entry.ports.duty1, accepting());
    const call = await phones.call(uac({ to: '95158', from: uniqueCaller('1393000') }).pause(14_000).hangup());
    const [c, o] = await Promise.all([call.done, officer.done]);
    expect(c.ok, c.errors).toBe(true);
    expect(o.ok, o.errors).toBe(true);
    expect(o.events.some((e) => e.name === 'dtmf')).toBe(true);
    await Promise.all(cluster.ids.map((_, i) => startApp(i, MORNING)));
  });

  it('outbound jobs worked by three nodes at once: each dialled exactly once, none lost, with a node killed in the middle', async () => {
    const numbers = Array.from({ length: 12 }, (_, i) => `1394000${String(i).padStart(4, '0')}`);
    const trunk = await phones.phone(cluster.entry.ports.trunk, uasCalls(...numbers.map(() => uas().logCalled().ring(2500).reject(486))));
    // Queued through every node's API in turn (a node dials what it queued at once, the others poll).
    const probes = cluster.nodes.map((n) => new OutboundProbe(n.env));
    try {
      for (const [i, number] of numbers.entries()) {
        await probes[i % probes.length]!.api('POST', '/api/callbacks', { kind: 'survey', number });
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await Promise.all(probes.map((p) => p.close()));
    }
    // Kill the application of a node while it has a call ringing.
    const victim = await eventually(async () => {
      const { rows } = await probe.pool.query(`select a.node_id from callback_attempts a join callback_jobs j on j.id = a.job_id where j.number = any($1) and a.state <> 'ended' limit 1`, [numbers]);
      return rows[0]?.node_id as string | undefined;
    }, 'an attempt in progress', 30_000);
    await apps.get(victim)!.kill();
    apps.delete(victim);

    const ended = async () => (await probe.pool.query(`select count(*)::int as n from callback_attempts a join callback_jobs j on j.id = a.job_id where j.number = any($1) and a.state = 'ended'`, [numbers])).rows[0].n;
    // The others go on with the queue; the killed node's open attempts wait for it (its Asterisk has those calls).
    await eventually(async () => ((await trunk.events()).filter((e) => e.name === 'invite-to').length === numbers.length ? true : undefined), 'every number to be dialled', 60_000);
    await startApp(cluster.ids.indexOf(victim), MORNING);
    await eventually(async () => ((await ended()) === numbers.length ? true : undefined), 'every attempt to end', 60_000);

    const invites = (await trunk.done).events.filter((e) => e.name === 'invite-to').map((e) => e.detail);
    for (const number of numbers) expect(invites.filter((d) => d.includes(number)), number).toHaveLength(1);
    const { rows } = await probe.pool.query(
      `select j.number, j.attempts, a.node_id, a.outcome from callback_jobs j join callback_attempts a on a.job_id = j.id where j.number = any($1)`, [numbers]);
    expect(rows).toHaveLength(numbers.length);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    expect(new Set(rows.map((r) => r.node_id)).size).toBeGreaterThanOrEqual(2);
    expect(rows.filter((r) => r.node_id === victim).every((r) => ['busy', 'interrupted'].includes(r.outcome))).toBe(true);
    for (const number of numbers) await probe.api('POST', `/api/callbacks/${(await probe.jobsOf(number))[0].id}/cancel`, {});
  });

  it("one node's Asterisk SIGKILLed: new calls succeed on the others at once, and the emergency path works throughout", async () => {
    const dead = cluster.ids[2]!;
    const killedAt = Date.now();
    process.kill(cluster.nodes[2]!.asterisk.pid, 'SIGKILL');
    const firstOk: number[] = [];
    const nodes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const from = uniqueCaller('1395000');
      const r = await (await phones.call(shortCall(from))).done;
      expect(r.ok, r.errors).toBe(true);
      if (firstOk.length === 0) firstOk.push(Date.now() - killedAt);
      nodes.push((await records.endedFrom(from)).nodeId!);
    }
    expect(nodes).not.toContain(dead);
    console.log(`first call after the kill completed ${firstOk[0]} ms after it (a call of 1.5 s)`);

    const from = uniqueCaller('1396000');
    const officer = await phones.phone(cluster.entry.ports.duty1, accepting());
    const call = await phones.call(uac({ to: '95158', from }).pause(1500).dtmf('1').pause(3000).speak(8000).pause(500).hangup());
    const [c, o] = await Promise.all([call.done, officer.done]);
    expect(c.ok, c.errors).toBe(true);
    expect(o.ok, o.errors).toBe(true);
    const record = await records.endedFrom(from);
    expect(record.outcome).toBe('emergency-accepted');
    expect(record.nodeId).not.toBe(dead);
  });
});
