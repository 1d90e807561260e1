import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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

export interface Cluster {
  nodes: Stack[];
  /** Node ids, in the order of `nodes`. */
  ids: string[];
  pg: PgCluster;
  balancer: { sipPort: number; process: KamailioProcess; configFile: string };
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
export async function startCluster(o: { nodes: number; rtpBase: number; probeSeconds?: number }): Promise<Cluster> {
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
    const started = await Promise.allSettled(ids.map((nodeId, i) => startStack({ pg, peers, nodeId, rtpStart: o.rtpBase + i * 100 })));
    for (const r of started) if (r.status === 'fulfilled') nodes.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;

    const sipPort = await freeUdpPort();
    const raw = parse(readFileSync(nodes[0]!.env.configFile, 'utf8')) as Record<string, any>;
    raw.dataDir = root;
    raw.balancer = {
      sipBind: '127.0.0.1',
      sipPort,
      probeSeconds: o.probeSeconds ?? 1,
      tryingMs: 1000,
      children: 2,
      nodes: nodes.map((n, i) => ({ id: ids[i], sip: `127.0.0.1:${n.env.ports.sip}` })),
    };
    const configFile = path.join(root, 'balancer.yaml');
    await writeFile(configFile, stringify(raw));
    const config = loadConfig({ HOTLINE_CONFIG: configFile });
    const rendered = await renderBalancerConfig(config);
    kamailio = await startKamailio({
      binary: config.balancer!.binary,
      rendered,
      sipHost: '127.0.0.1',
      sipPort,
      log: createLogger(process.env.HOTLINE_STACK_LOG ?? 'warn'),
    });
    const first = nodes[0]!.env;
    return {
      nodes,
      ids,
      pg,
      balancer: { sipPort, process: kamailio, configFile },
      entry: { ...first, ports: { ...first.ports, sip: sipPort } },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
