import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uac } from '../../tools/sipp/index.ts';
import { startCluster, type Cluster } from '../support/cluster.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { Records } from './support/probes.ts';

/**
 * Three nodes (Asterisk + application each) on one PostgreSQL behind a real
 * Kamailio (kamailio-config/), callers and phones played by SIPp. The cluster
 * is this file's own: it does not use the shared e2e stacks.
 */
const NIGHT = '2026-11-24T23:00:00+08:00';
let cluster: Cluster;
const apps = new Map<string, HotlineProcess>();
let records: Records;
let phones: Phones;

const startApp = async (i: number) => {
  const id = cluster.ids[i]!;
  apps.set(id, await startHotline(cluster.nodes[i]!.env, { now: NIGHT }));
};

beforeAll(async () => {
  cluster = await startCluster({ nodes: 3, rtpBase: 20000 + Math.floor(Math.random() * 80) * 100 });
  records = new Records(cluster.entry);
  phones = new Phones(cluster.entry);
  await Promise.all(cluster.ids.map((_, i) => startApp(i)));
}, 180_000);

afterEach(async () => {
  await phones.stopAll();
});

afterAll(async () => {
  await Promise.all([...apps.values()].map((a) => a.stop()));
  await records?.close();
  await cluster?.stop();
});

/** A caller who listens for a moment and hangs up. */
const shortCall = (from: string) => uac({ to: '95158', from }).pause(1500).hangup();

describe('several nodes behind Kamailio', () => {
  it('spreads calls over all nodes; each call record names its node', async () => {
    const callers = Array.from({ length: 6 }, () => uniqueCaller('1391000'));
    const calls = [];
    for (const from of callers) calls.push(await phones.call(shortCall(from)));
    const results = await Promise.all(calls.map((c) => c.done));
    for (const r of results) expect(r.ok, r.errors).toBe(true);
    const nodes = await Promise.all(callers.map(async (from) => (await records.endedFrom(from)).nodeId));
    expect(new Set(nodes)).toEqual(new Set(cluster.ids));
  });
});
