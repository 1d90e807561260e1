import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { startKamailio, type KamailioProcess } from '../../src/balancer/kamailio-process.ts';
import { renderBalancerConfig } from '../../src/balancer/render-config.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { freeUdpPort } from '../../tools/sipp/ports.ts';
import type { E2eEnvironment } from '../e2e/support/environment.ts';
import { startPgCluster, type PgCluster } from './pg-cluster.ts';
import { freePeers, startStack, type Stack } from './stack.ts';

export interface Balancer {
  sipPort: number;
  process: KamailioProcess;
  configFile: string;
}

/**
 * Kamailio in front of `nodes` (stacks of test/support/stack.ts), rendered
 * from the project's kamailio-config/ into `dir` with a free SIP port.
 * Several may run at once (a benchmark compares one node with three).
 */
export async function startBalancer(nodes: Stack[], ids: string[], dir: string, o: { probeSeconds: number }): Promise<Balancer> {
  const sipPort = await freeUdpPort();
  const raw = parse(readFileSync(nodes[0]!.env.configFile, 'utf8')) as Record<string, any>;
  raw.dataDir = dir;
  raw.balancer = {
    sipBind: '127.0.0.1',
    sipPort,
    probeSeconds: o.probeSeconds,
    tryingMs: 1000,
    children: 2,
    nodes: nodes.map((n, i) => ({ id: ids[i], sip: `127.0.0.1:${n.env.ports.sip}` })),
  };
  await mkdir(dir, { recursive: true });
  const configFile = path.join(dir, 'balancer.yaml');
  await writeFile(configFile, stringify(raw));
  const config = loadConfig({ HOTLINE_CONFIG: configFile });
  const rendered = await renderBalancerConfig(config);
  const kamailio = await startKamailio({ binary: config.balancer!.binary, rendered, sipHost: '127.0.0.1', sipPort, log: createLogger(process.env.HOTLINE_STACK_LOG ?? 'warn') });
  return { sipPort, process: kamailio, configFile };
}

export interface Cluster {
  nodes: Stack[];
  /** Node ids, in the order of `nodes`. */
  ids: string[];
  pg: PgCluster;
  balancer: Balancer;
  /**
   * An environment for callers and phones: node 0's, with the SIP port of
   * the balancer, so a caller dials the public entry and the phones are the
   * ones every node calls.
   */
  entry: E2eEnvironment;
  stop(): Promise<void>;
}

/**
 * Several hotline nodes on 127.0.0.1 (test/support/stack.ts: each its own
 * Asterisk, ports and folder) sharing one throwaway PostgreSQL and the same
 * SIPp peers (trunk, desk and duty phones), with Kamailio in front rendered
 * from the project's kamailio-config/. The applications are started by the
 * test (test/e2e/support/hotline-process.ts), one per node.
 */
export async function startCluster(o: {
  nodes: number;
  rtpBase: number;
  probeSeconds?: number;
  /** RTP ports per node (default 100: 50 calls); the ranges follow each other from rtpBase. */
  rtpSpan?: number;
  /** Changes to every node's generated configuration (a benchmark's log level, call limits). */
  configure?: (raw: Record<string, any>) => void;
}): Promise<Cluster> {
  const pg = await startPgCluster();
  const nodes: Stack[] = [];
  let kamailio: KamailioProcess | null = null;
  const root = await mkdtemp(path.join(tmpdir(), 'hotline-balancer-'));
  const stop = async () => {
    await kamailio?.stop().catch(() => {});
    await Promise.all(nodes.map((n) => n.stop()));
    await pg.stop().catch(() => {});
    await rm(root, { recursive: true, force: true });
  };
  try {
    const peers = await freePeers();
    const ids = Array.from({ length: o.nodes }, (_, i) => `node-${String.fromCharCode(97 + i)}`);
    const stacks = await Promise.allSettled(ids.map((nodeId, i) => {
      const rtpStart = o.rtpBase + i * (o.rtpSpan ?? 100);
      const configure = (raw: Record<string, any>) => {
        raw.asterisk.rtpPortEnd = rtpStart + (o.rtpSpan ?? 100) - 1;
        o.configure?.(raw);
      };
      return startStack({ pg, peers, nodeId, rtpStart, configure });
    }));
    for (const r of stacks) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = stacks.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    const balancer = await startBalancer(nodes, ids, root, { probeSeconds: o.probeSeconds ?? 1 });
    kamailio = balancer.process;
    const first = nodes[0]!.env;
    return {
      nodes,
      ids,
      pg,
      balancer,
      entry: { ...first, ports: { ...first.ports, sip: balancer.sipPort } },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
