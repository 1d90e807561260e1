import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { renderBalancerConfig } from '../../../src/balancer/render-config.ts';
import { sipPing } from '../../../src/balancer/sip-ping.ts';
import { startKamailio } from '../../../src/balancer/kamailio-process.ts';
import { loadConfig, PROJECT_ROOT } from '../../../src/config/load-config.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { freeUdpPort } from '../../../tools/sipp/ports.ts';
import { makeTempDir, removeDir } from '../../support/db-helpers.ts';

/** The balancer's configuration as rendered from a hotline.yaml: Kamailio itself checks it and answers on its port. */
describe('Kamailio configuration from the hotline configuration', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await makeTempDir('hotline-balancer-render-');
  });
  afterEach(async () => removeDir(dir));

  async function config(balancer: Record<string, unknown>) {
    const file = path.join(dir, 'hotline.yaml');
    const base = parse(readFileSync(path.join(PROJECT_ROOT, 'config', 'hotline.yaml'), 'utf8')) as Record<string, unknown>;
    await writeFile(file, stringify({ ...base, dataDir: dir, balancer }));
    return loadConfig({ HOTLINE_CONFIG: file });
  }

  it('lists every node for the dispatcher and fills every placeholder; kamailio -c accepts it', async () => {
    const c = await config({ sipPort: 5099, probeSeconds: 3, tryingMs: 900, nodes: [{ id: 'node-a', sip: '10.0.0.11:5060' }, { id: 'node-b', sip: 'node-b.internal:5070' }] });
    const r = await renderBalancerConfig(c);
    const cfg = readFileSync(r.cfgFile, 'utf8');
    expect(cfg).not.toMatch(/\{\{/);
    expect(cfg).toContain('listen=udp:127.0.0.1:5099');
    expect(cfg).toContain('modparam("dispatcher", "ds_ping_interval", 3)');
    expect(cfg).toContain('modparam("tm", "fr_timer", 900)');
    expect(cfg).toContain('modparam("tm", "fr_inv_timer", 8000)');
    expect(readFileSync(path.join(r.runtimeDir, 'dispatcher.list'), 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([
      '1 sip:10.0.0.11:5060 0 0 duid=node-a',
      '1 sip:node-b.internal:5070 0 0 duid=node-b',
    ]);
    const check = spawnSync(c.balancer!.binary, ['-c', '-f', r.cfgFile], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
  });

  it('refuses a configuration without nodes, and an unknown key, with a clear message', async () => {
    await expect(config({ nodes: [] })).rejects.toThrow(/balancer.nodes: must NOT have fewer than 1 items/);
    await expect(config({ nodes: [{ id: 'a', sip: '1.2.3.4:5060' }], port: 1 })).rejects.toThrow(/balancer: unknown setting "port"/);
  });

  it('starts, answers SIP OPTIONS itself, and stops with its workers', async () => {
    const sipPort = await freeUdpPort();
    const c = await config({ sipPort, children: 1, nodes: [{ id: 'node-a', sip: '127.0.0.1:9' }] });
    const k = await startKamailio({ binary: c.balancer!.binary, rendered: await renderBalancerConfig(c), sipHost: '127.0.0.1', sipPort, log: createLogger('silent') });
    expect(await sipPing('127.0.0.1', sipPort)).toBe(200);
    await k.stop();
    expect(await sipPing('127.0.0.1', sipPort, 300)).toBeNull();
    expect(() => process.kill(-k.pid, 0)).toThrow();
  });
});
