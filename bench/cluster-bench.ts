/**
 * `npm run bench:cluster`: the hotline as several nodes behind Kamailio on
 * this machine (test/support/cluster.ts: one PostgreSQL, three nodes, each
 * its own Asterisk and application). Prints, for the same load through one
 * balancer in front of one node and then through one in front of three:
 *   - calls completed and failed,
 *   - answer → first prompt p50/p99 (from each node's Asterisk log),
 *   - per node: calls taken and CPU per call (application + Asterisk),
 * and their ratio; then kills one node's Asterisk (SIGKILL) while calls keep
 * arriving and prints when the first new call was answered and how long the
 * calls that met the dead node waited.
 *
 *   npm run bench:cluster -- [--rate 6] [--duration 20]
 *
 * On one machine the nodes share its cores: three nodes do not give three
 * times the capacity here; the figures show the cost of the extra hop and
 * how the load spreads, and the failover time.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { freeUdpPort, runSipp, uac } from '../tools/sipp/index.ts';
import { startHotline, type HotlineProcess } from '../test/e2e/support/hotline-process.ts';
import { startBalancer, startCluster, type Balancer, type Cluster } from '../test/support/cluster.ts';
import { channelTimings, firstPromptDelays, percentile } from './asterisk-log-timing.ts';

const MORNING = '2026-11-24T10:00:00+08:00';

interface NodeLoad {
  id: string;
  calls: number;
  cpuS: number;
  firstPrompt: number[];
}

interface PhaseResult {
  completed: number;
  failed: number;
  nodes: NodeLoad[];
}

function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function phase(cluster: Cluster, apps: Map<string, HotlineProcess>, balancer: Balancer, load: { rate: number; duration: number }, silence: string): Promise<PhaseResult> {
  const before = cluster.nodes.map((n, i) => ({
    offset: statSync(n.env.asteriskLog).size,
    cpu: cpuSeconds(n.asterisk.pid) + cpuSeconds(apps.get(cluster.ids[i]!)!.pid),
  }));
  const calls = Math.round(load.rate * load.duration);
  // Greeting, then a hang-up: each call ≈ 8 s; silent audio from the start, as a phone sends.
  const sipp = runSipp({
    scenario: uac({ to: '95158', from: '1390000[call_number]' }).speakWav(silence, 8000).hangup(),
    remote: `127.0.0.1:${balancer.sipPort}`,
    localPort: await freeUdpPort(),
    calls,
    rate: load.rate,
    ratePeriodMs: 1000,
    maxConcurrent: Math.round(load.rate * 20),
    traceMessages: false,
    timeoutMs: load.duration * 1000 + 120_000,
  });
  const result = await sipp.done;
  const nodes = cluster.nodes.map((n, i): NodeLoad => {
    const timings = [...channelTimings(readFileSync(n.env.asteriskLog, 'utf8').slice(before[i]!.offset)).values()];
    const cpu = cpuSeconds(n.asterisk.pid) + cpuSeconds(apps.get(cluster.ids[i]!)!.pid) - before[i]!.cpu;
    return { id: cluster.ids[i]!, calls: timings.length, cpuS: cpu, firstPrompt: firstPromptDelays(timings) };
  });
  return { completed: result.successfulCalls, failed: result.failedCalls, nodes };
}

function report(label: string, r: PhaseResult): string {
  const all = r.nodes.flatMap((n) => n.firstPrompt);
  const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(0)} ms`);
  const lines = [
    `${label}: ${r.completed} completed, ${r.failed} failed; answer → first prompt p50 ${ms(percentile(all, 50))}, p99 ${ms(percentile(all, 99))}`,
    ...r.nodes.filter((n) => n.calls > 0).map((n) =>
      `  ${n.id}: ${String(n.calls).padStart(4)} calls, CPU ${n.cpuS.toFixed(2)} s = ${((n.cpuS / n.calls) * 1000).toFixed(0)} ms a call, first prompt p50 ${ms(percentile(n.firstPrompt, 50))} p99 ${ms(percentile(n.firstPrompt, 99))}`),
  ];
  return lines.join('\n');
}

/** Kills the last node's Asterisk and places a call every 250 ms for `seconds`: when were they answered? */
async function failover(cluster: Cluster, seconds: number): Promise<string> {
  const killedAt = Date.now();
  process.kill(cluster.nodes.at(-1)!.asterisk.pid, 'SIGKILL');
  const waits: Array<{ sentAfterMs: number; answerMs: number | null }> = [];
  const running: Array<Promise<void>> = [];
  while (Date.now() - killedAt < seconds * 1000) {
    const sentAt = Date.now();
    const call = runSipp({ scenario: uac({ to: '95158', from: '1399999[call_number]' }).pause(1000).hangup(), remote: `127.0.0.1:${cluster.balancer.sipPort}`, localPort: await freeUdpPort(), timeoutMs: 30_000 });
    running.push(
      call.waitForEvent('answered', { timeoutMs: 20_000 }).then(
        (e) => void waits.push({ sentAfterMs: sentAt - killedAt, answerMs: Math.round(e.sinceStartMs) }),
        () => void waits.push({ sentAfterMs: sentAt - killedAt, answerMs: null }),
      ).finally(() => call.done.catch(() => undefined)),
    );
    await new Promise((r) => setTimeout(r, 250));
  }
  await Promise.all(running);
  waits.sort((a, b) => a.sentAfterMs - b.sentAfterMs);
  const answered = waits.filter((w) => w.answerMs !== null);
  const first = answered[0];
  const slow = answered.filter((w) => w.answerMs! > 500);
  const lastSlow = slow.at(-1);
  return [
    `failover: one node's Asterisk SIGKILLed; ${waits.length} calls placed over ${seconds} s after it, ${answered.length} answered, ${waits.length - answered.length} not`,
    `  first new call answered ${first ? first.sentAfterMs + first.answerMs! : '-'} ms after the kill (sent at +${first?.sentAfterMs ?? '-'} ms, answered in ${first?.answerMs ?? '-'} ms)`,
    `  calls that met the dead node first (answer > 500 ms): ${slow.length}, waiting ${slow.map((w) => w.answerMs).join(', ') || '-'} ms; the last sent at +${lastSlow?.sentAfterMs ?? '-'} ms (the probe took the node out by then)`,
    `  other calls answered in p50 ${percentile(answered.filter((w) => w.answerMs! <= 500).map((w) => w.answerMs!), 50) ?? '-'} ms`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { rate: { type: 'string', default: '6' }, duration: { type: 'string', default: '20' } } });
  const load = { rate: Number(values.rate), duration: Number(values.duration) };
  process.stderr.write('starting PostgreSQL, three nodes and Kamailio on 127.0.0.1 …\n');
  const cluster = await startCluster({
    nodes: 3,
    rtpBase: 20000 + Math.floor(Math.random() * 20) * 1000,
    rtpSpan: 1000,
    probeSeconds: 1,
    configure: (raw) => {
      raw.logLevel = 'info';
      raw.asterisk.maxCalls = 1000;
    },
  });
  const apps = new Map<string, HotlineProcess>();
  let single: Balancer | null = null;
  try {
    await Promise.all(cluster.ids.map(async (id, i) => apps.set(id, await startHotline(cluster.nodes[i]!.env, { now: MORNING }))));
    const silence = path.join(cluster.nodes[0]!.env.root, 'silence.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', silence, 'trim', '0', '1']);
    single = await startBalancer(cluster.nodes.slice(0, 1), cluster.ids.slice(0, 1), path.join(cluster.nodes[0]!.env.root, 'balancer-1'), { probeSeconds: 1 });
    process.stderr.write(`${load.rate} calls/s for ${load.duration} s through a balancer in front of one node …\n`);
    const one = await phase(cluster, apps, single, load, silence);
    process.stderr.write('… and in front of three nodes …\n');
    const three = await phase(cluster, apps, cluster.balancer, load, silence);
    const cpuPerCall = (r: PhaseResult) => r.nodes.reduce((s, n) => s + n.cpuS, 0) / Math.max(1, r.completed + r.failed);
    const p99 = (r: PhaseResult) => percentile(r.nodes.flatMap((n) => n.firstPrompt), 99);
    process.stdout.write(`\ncluster benchmark on ${new Date().toISOString()}: ${load.rate} calls/s for ${load.duration} s, each ≈ 8 s (greeting), 2 cores shared by all\n\n`);
    process.stdout.write(`${report('1 node ', one)}\n${report('3 nodes', three)}\n`);
    process.stdout.write(`CPU per call (all nodes): 1 node ${(cpuPerCall(one) * 1000).toFixed(0)} ms, 3 nodes ${(cpuPerCall(three) * 1000).toFixed(0)} ms (${(cpuPerCall(three) / cpuPerCall(one)).toFixed(2)}×); first prompt p99 3 nodes / 1 node ${((p99(three) ?? 0) / (p99(one) || 1)).toFixed(2)}×\n\n`);
    process.stdout.write(`${await failover(cluster, 8)}\n`);
  } finally {
    await single?.process.stop();
    await Promise.all([...apps.values()].map((a) => a.stop()));
    await cluster.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
