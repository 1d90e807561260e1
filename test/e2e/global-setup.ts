import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { stringify } from 'yaml';
import { startAsterisk, type AsteriskProcess } from '../../src/asterisk/asterisk-process.ts';
import { fallbackPrompts } from '../../src/asterisk/fallback-prompts.ts';
import { renderAsteriskConfig } from '../../src/asterisk/render-config.ts';
import { loadConfig } from '../../src/config/load-config.ts';
import { loadFlow } from '../../src/ivr/load-flow.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { buildPrompts } from '../../src/service.ts';
import { freeUdpPort } from '../../src/sipp/ports.ts';
import { freePort } from '../support/free-port.ts';
import { startPgCluster, type PgCluster } from '../support/pg-cluster.ts';
import type { E2eEnvironment } from './support/environment.ts';

/**
 * One real Asterisk (the project's asterisk-config/) and one throwaway
 * PostgreSQL for the whole e2e run; each test file starts the application
 * itself (test/e2e/support/hotline-process.ts) against them. Everything
 * listens on 127.0.0.1 on free ports and is stopped by its process id at the
 * end, also when tests fail.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(path.join(tmpdir(), 'hotline-e2e-'));
  let pg: PgCluster | null = null;
  let asterisk: AsteriskProcess | null = null;
  const teardown = async () => {
    await asterisk?.stop().catch(() => {});
    await pg?.stop().catch(() => {});
    if (!process.env.HOTLINE_E2E_KEEP) await rm(root, { recursive: true, force: true });
  };
  try {
    pg = await startPgCluster();
    const ports = {
      sip: await freeUdpPort(),
      ari: await freePort(),
      http: await freePort(),
      trunk: await freeUdpPort(),
      desk1: await freeUdpPort(),
      desk2: await freeUdpPort(),
      duty1: await freeUdpPort(),
      duty2: await freeUdpPort(),
      webhook: await freePort(),
      rtpStart: 30000 + Math.floor(Math.random() * 200) * 100,
    };
    const ariPassword = `e2e-${Math.random().toString(36).slice(2)}-secret`;
    const adminToken = `e2e-admin-token-${Math.random().toString(36).slice(2)}`;
    const configFile = path.join(root, 'hotline.yaml');
    const base = loadConfig({});
    const raw = {
      ...structuredCloneConfig(base),
      dataDir: path.join(root, 'var'),
      logLevel: 'debug',
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
    };
    await writeFile(configFile, stringify(raw));
    const env = { HOTLINE_CONFIG: configFile };
    const config = loadConfig(env);
    const log = createLogger(process.env.HOTLINE_E2E_LOG ?? 'warn');
    const prompts = await buildPrompts(config, log);
    const { flow } = loadFlow(config.flowFile, { prompts, languages: config.languages.enabled, calendar: config.calendar });
    const rendered = await renderAsteriskConfig(config, ariPassword, fallbackPrompts(flow, prompts, config.languages.default));
    asterisk = await startAsterisk({
      binary: config.asterisk.binary,
      confFile: rendered.confFile,
      runtimeDir: rendered.runtimeDir,
      ariUrl: `http://127.0.0.1:${ports.ari}`,
      ariUser: config.asterisk.ariUser,
      ariPassword,
      log,
    });
    const environment: E2eEnvironment = {
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
    project.provide('e2e', environment);
    return teardown;
  } catch (err) {
    await teardown();
    throw err;
  }
}

/** The loaded config without the fields the loader adds, as plain data for YAML. */
function structuredCloneConfig(c: ReturnType<typeof loadConfig>): Record<string, unknown> {
  const { source: _s, projectRoot: _p, ...rest } = c;
  return JSON.parse(JSON.stringify(rest)) as Record<string, unknown>;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eEnvironment;
  }
}
