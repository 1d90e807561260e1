import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig } from '../config/load-config.ts';
import { fillTemplate } from '../asterisk/render-config.ts';

export type BalancerConfig = NonNullable<LoadedConfig['balancer']>;

export interface RenderedBalancerConfig {
  /** Where kamailio.cfg, dispatcher.list, the pid file and the control socket are. */
  runtimeDir: string;
  cfgFile: string;
  /** The control socket for `kamcmd -s` (dispatcher.list shows each node's state). */
  ctlSocket: string;
}

/** The dispatcher set the balancer chooses from (kamailio.cfg: ds_select_dst("1", …)). */
const SET = 1;

/**
 * Renders kamailio-config/kamailio.cfg and the node list (dispatcher.list)
 * into <dataDir>/balancer. Files are replaced whole, so a restart never reads
 * half a file.
 */
export async function renderBalancerConfig(config: LoadedConfig, runtimeDir = path.join(config.dataDir, 'balancer')): Promise<RenderedBalancerConfig> {
  const b = config.balancer;
  if (!b) throw new Error('no balancer section in the configuration (see config/hotline.example.yaml)');
  await mkdir(runtimeDir, { recursive: true, mode: 0o750 });
  const vars: Record<string, string> = {
    RUNTIME_DIR: runtimeDir,
    MODULES_DIR: b.modulesDir ?? findModulesDir(),
    SIP_BIND: b.sipBind,
    SIP_PORT: String(b.sipPort),
    ADVERTISE_LINE: b.advertise ? `advertise ${b.advertise}:${b.sipPort}` : '',
    PROBE_SECONDS: String(b.probeSeconds),
    TRYING_MS: String(b.tryingMs),
    ANSWER_MS: String(b.answerMs),
    CHILDREN: String(b.children),
    // Kamailio: 1 info, 2 notice, 3 info, 4 debug; warnings and errors always.
    LOG_LEVEL: config.logLevel === 'debug' || config.logLevel === 'trace' ? '3' : '1',
  };
  const template = await readFile(path.join(config.projectRoot, 'kamailio-config', 'kamailio.cfg'), 'utf8');
  const cfgFile = path.join(runtimeDir, 'kamailio.cfg');
  await writeAtomic(cfgFile, fillTemplate(template, vars, 'kamailio-config/kamailio.cfg'));
  await writeAtomic(path.join(runtimeDir, 'dispatcher.list'), dispatcherList(b));
  return { runtimeDir, cfgFile, ctlSocket: path.join(runtimeDir, 'kamailio_ctl') };
}

/** One line per node: set, URI, flags, priority, attributes (the node id as duid). */
export function dispatcherList(b: BalancerConfig): string {
  const lines = ['# generated from the hotline configuration (balancer.nodes): do not edit'];
  for (const n of b.nodes) lines.push(`${SET} sip:${n.sip} 0 0 duid=${n.id}`);
  return `${lines.join('\n')}\n`;
}

/** Debian puts the modules under the multiarch folder (/usr/lib/x86_64-linux-gnu/kamailio/modules). */
function findModulesDir(): string {
  const multiarch = readdirSync('/usr/lib').map((d) => path.join('/usr/lib', d, 'kamailio', 'modules'));
  const found = [...multiarch, '/usr/lib/kamailio/modules', '/usr/local/lib64/kamailio/modules'];
  const dir = found.find((d) => existsSync(path.join(d, 'dispatcher.so')));
  if (!dir) throw new Error('cannot find Kamailio\'s modules (dispatcher.so); install kamailio or set balancer.modulesDir');
  return dir;
}

async function writeAtomic(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode: 0o640 });
  await rename(tmp, file);
}
