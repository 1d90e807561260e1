import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { startAsterisk, type AsteriskProcess } from '../../src/asterisk/asterisk-process.ts';
import { renderAsteriskConfig } from '../../src/asterisk/render-config.ts';
import { loadConfig, type LoadedConfig } from '../../src/config/load-config.ts';
import { loadFlow } from '../../src/ivr/load-flow.ts';
import { createLogger } from '../../src/logging/logger.ts';
import type { PromptLibrary } from '../../src/prompts/prompt-library.ts';
import { offlineFlowContext } from '../../src/app/node-kinds.ts';
import { buildPrompts } from '../../src/app/prompts.ts';
import { fallbackPrompts } from '../../src/emergency/fallback-prompts.ts';
import { freeUdpPort } from '../../tools/sipp/ports.ts';
import { killWithThisProcess } from './own-session-guard.ts';
import type { E2eEnvironment } from '../e2e/support/environment.ts';
import { freePort } from './free-port.ts';
import { startPgCluster, type PgCluster } from './pg-cluster.ts';

export interface Stack {
  env: E2eEnvironment;
  config: LoadedConfig;
  prompts: PromptLibrary;
  asterisk: AsteriskProcess;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Extra dialplan defining [from-trunk-extra] (the benchmark's plain menu). */
  extraDialplan?: (prompts: PromptLibrary, config: LoadedConfig) => string;
  /** Changes to the generated hotline configuration. */
  configure?: (raw: Record<string, any>) => void;
  /** Keep the temp folder (logs, rendered config) after stop(). */
  keep?: boolean;
  /** First of the 100 RTP ports of this stack (stacks started together must not overlap); default random. */
  rtpStart?: number;
  /** A PostgreSQL shared with other stacks (a cluster's nodes); this stack does not stop it. */
  pg?: PgCluster;
  /** Peers shared with other stacks: a cluster's nodes call the same trunk and phones. */
  peers?: Peers;
  /** This stack's node id (node.id); with `pg` given, node.cluster is set too. */
  nodeId?: string;
  /**
   * Asterisk in a session of its own, as the launcher starts it (`npm start`):
   * the scheduler then shares the CPU between it and the other processes'
   * sessions, not between all their threads (a benchmark measures the product as it runs).
   */
  ownSession?: boolean;
}

/** The SIPp peers a stack's Asterisk calls and the webhook its application posts to. */
export type Peers = Pick<E2eEnvironment['ports'], 'trunk' | 'desk1' | 'desk2' | 'duty1' | 'duty2' | 'webhook'>;

/** Free ports for a stack's peers. */
export async function freePeers(): Promise<Peers> {
  return {
    trunk: await freeUdpPort(),
    desk1: await freeUdpPort(),
    desk2: await freeUdpPort(),
    duty1: await freeUdpPort(),
    duty2: await freeUdpPort(),
    webhook: await freePort(),
  };
}

/**
 * A complete hotline stack for tests and benchmarks, on 127.0.0.1 with free
 * ports: a throwaway PostgreSQL, the project's asterisk-config rendered from a
 * generated hotline configuration (phones on SIPp ports, short ring times),
 * prompts rendered into the stack's own folder, and Asterisk running. The
 * application itself is started separately (test/e2e/support/hotline-process.ts).
 * stop() stops everything by process id and removes the folder.
 */
export async function startStack(o: StackOptions = {}): Promise<Stack> {
  const root = await mkdtemp(path.join(tmpdir(), 'hotline-stack-'));
  let pg: PgCluster | null = null;
  let asterisk: AsteriskProcess | null = null;
  let unguard = () => {};
  const stop = async () => {
    await asterisk?.stop().catch(() => {});
    unguard();
    if (!o.pg) await pg?.stop().catch(() => {});
    if (!o.keep) await rm(root, { recursive: true, force: true });
  };
  try {
    pg = o.pg ?? (await startPgCluster());
    const ports = {
      sip: await freeUdpPort(),
      ari: await freePort(),
      http: await freePort(),
      ...(o.peers ?? (await freePeers())),
      rtpStart: o.rtpStart ?? 30000 + Math.floor(Math.random() * 200) * 100,
    };
    const ariPassword = `stack-${Math.random().toString(36).slice(2)}-secret`;
    const adminToken = `stack-admin-token-${Math.random().toString(36).slice(2)}`;
    const configFile = path.join(root, 'hotline.yaml');
    const base = loadConfig({});
    const { source: _s, projectRoot: _p, ...plain } = base;
    const raw: Record<string, any> = {
      ...JSON.parse(JSON.stringify(plain)),
      dataDir: path.join(root, 'var'),
      logLevel: 'debug',
      ...(o.nodeId ? { node: { id: o.nodeId, cluster: Boolean(o.pg) } } : {}),
      ...(o.pg ? { database: { url: o.pg.url } } : {}),
      http: { host: '127.0.0.1', port: ports.http },
      asterisk: {
        ariPort: ports.ari,
        sipBind: '127.0.0.1',
        sipPort: ports.sip,
        rtpPortStart: ports.rtpStart,
        rtpPortEnd: ports.rtpStart + 99,
        appName: 'hotline',
      },
      trunk: { host: '127.0.0.1', port: ports.trunk, match: ['127.0.0.1'], hotlineNumber: '95158' },
      phones: [
        { name: 'desk1', contact: `sip:127.0.0.1:${ports.desk1}` },
        { name: 'desk2', contact: `sip:127.0.0.1:${ports.desk2}` },
        { name: 'duty1', contact: `sip:127.0.0.1:${ports.duty1}` },
        { name: 'duty2', contact: `sip:127.0.0.1:${ports.duty2}` },
      ],
      serviceDesk: { targets: ['desk1', 'desk2'], ringSeconds: 8 },
      duty: {
        targets: ['duty1', 'duty2'],
        ringSeconds: 6,
        acceptSeconds: 5,
        reassuranceSeconds: 10,
        callBackAbandoned: true,
        alertWebhookUrl: `http://127.0.0.1:${ports.webhook}/alerts`,
      },
      prompts: { catalogue: base.prompts.catalogue, renderedDir: path.join(root, 'prompts') },
      // Short rings and no pause before a survey, so outbound calls are tested in seconds; the rules
      // themselves (windows, 2 h retries, 2 calls a day) are the defaults.
      outbound: {
        kinds: Object.fromEntries(['emergency-callback', 'repair-confirmation', 'survey', 'missed-call'].map((k) => [k, { ringSeconds: 15 }])),
        surveyDelayMinutes: 0,
        pollSeconds: 1,
        callsPerSecond: 10,
      },
    };
    o.configure?.(raw);
    await writeFile(configFile, stringify(raw));
    const config = loadConfig({ HOTLINE_CONFIG: configFile });
    const log = createLogger(process.env.HOTLINE_STACK_LOG ?? 'warn');
    const prompts = await buildPrompts(config, log);
    const { flow } = loadFlow(config.flowFile, offlineFlowContext(config, prompts));
    const rendered = await renderAsteriskConfig(
      config,
      ariPassword,
      fallbackPrompts(flow, prompts, config.languages.default),
      o.extraDialplan?.(prompts, config),
    );
    asterisk = await startAsterisk({
      binary: config.asterisk.binary,
      confFile: rendered.confFile,
      runtimeDir: rendered.runtimeDir,
      ariUrl: `http://127.0.0.1:${ports.ari}`,
      ariUser: config.asterisk.ariUser,
      ariPassword,
      log,
      ownProcessGroup: o.ownSession,
    });
    if (o.ownSession) unguard = killWithThisProcess(asterisk.pid);
    const env: E2eEnvironment = {
      root,
      configFile,
      databaseUrl: pg.url,
      ariUrl: `http://127.0.0.1:${ports.ari}`,
      ariUser: config.asterisk.ariUser,
      ariPassword,
      adminToken,
      httpUrl: `http://127.0.0.1:${ports.http}`,
      asteriskConf: rendered.confFile,
      asteriskLog: path.join(rendered.runtimeDir, 'log', 'messages'),
      asteriskPid: asterisk.pid,
      ports,
      pg: { dataDir: pg.dataDir, port: pg.port, baseDir: pg.baseDir, logFile: pg.logFile },
    };
    return { env, config, prompts, asterisk, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
