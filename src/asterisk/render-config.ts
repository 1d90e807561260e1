import { mkdir, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LoadedConfig } from '../config/load-config.ts';
import { APP_ALIVE_SECONDS } from '../telephony/app-presence.ts';
import { TALK_DETECTION } from '../telephony/ari-resync.ts';
import { dialString } from '../telephony/dial-string.ts';

/** Prompt files the dialplan plays when the application is down (paths without extension). */
export interface FallbackPrompts {
  connecting: string;
  stayOnLine: string;
  dutyAnnounce: string;
  dutyPressOne: string;
  /** digit-0 … digit-9, in order. */
  digits: string[];
}

/** The file cdr_custom writes the dialplan-only calls to (cdr_custom.conf), in <astlogdir>/cdr-custom/. */
export const FALLBACK_CDR_FILE = 'hotline-fallback.csv';

/** Where the Asterisk this service renders and runs writes its fallback CDRs (src/cdr/ imports them). */
export function fallbackCdrPath(dataDir: string): string {
  return path.join(dataDir, 'asterisk', 'log', 'cdr-custom', FALLBACK_CDR_FILE);
}

export interface RenderedAsteriskConfig {
  /** Root of Asterisk's runtime folders (etc, run, log, spool, lib, db). */
  runtimeDir: string;
  /** The generated asterisk.conf to pass to `asterisk -C`. */
  confFile: string;
}

/**
 * Renders asterisk-config/ into <dataDir>/asterisk/etc: {{NAME}} placeholders
 * are replaced, and the parts that depend on the hotline configuration (trunk,
 * phones, duty targets, prompt paths) are generated into *_generated.conf files
 * that the static files #include. Files are replaced atomically so a running
 * Asterisk never reads half a file on reload.
 */
export async function renderAsteriskConfig(
  config: LoadedConfig,
  ariPassword: string,
  prompts: FallbackPrompts,
  /** Extra dialplan (must define [from-trunk-extra]); the benchmark adds its plain menu here. */
  extraDialplan = '[from-trunk-extra]\n',
): Promise<RenderedAsteriskConfig> {
  const runtimeDir = path.join(config.dataDir, 'asterisk');
  const etcDir = path.join(runtimeDir, 'etc');
  for (const dir of ['etc', 'run', 'log', 'log/cdr-custom', 'lib', 'db', 'keys', 'cache', 'spool', 'spool/recording', 'spool/tmp']) {
    await mkdir(path.join(runtimeDir, dir), { recursive: true, mode: 0o750 });
  }
  const a = config.asterisk;
  const vars: Record<string, string> = {
    RUNTIME_DIR: runtimeDir,
    ASTERISK_MODULES_DIR: a.modulesDir,
    ASTERISK_DATA_DIR: a.soundsDir,
    MAX_CALLS: String(a.maxCalls),
    ARI_PORT: String(a.ariPort),
    ARI_USER: a.ariUser,
    ARI_PASSWORD: ariPassword,
    SIP_BIND: a.sipBind,
    SIP_PORT: String(a.sipPort),
    SIP_EXTERNAL_ADDRESS_LINES: a.externalAddress
      ? `external_media_address = ${a.externalAddress}\nexternal_signaling_address = ${a.externalAddress}`
      : '',
    RTP_PORT_START: String(a.rtpPortStart),
    RTP_PORT_END: String(a.rtpPortEnd),
    DEFAULT_LANGUAGE: asteriskLanguage(config.languages.default),
    HOTLINE_NUMBER: config.trunk.hotlineNumber,
    FALLBACK_CDR_FILE,
    SYSTEM_NAME: config.node.id,
  };

  const templateDir = path.join(config.projectRoot, 'asterisk-config');
  for (const name of await readdir(templateDir)) {
    if (!name.endsWith('.conf')) continue;
    const template = await readFile(path.join(templateDir, name), 'utf8');
    await writeAtomic(path.join(etcDir, name), fillTemplate(template, vars, `asterisk-config/${name}`), name === 'ari.conf' ? 0o600 : 0o640);
  }
  await linkDutyWaitPrompts(runtimeDir, prompts);
  await writeAtomic(path.join(etcDir, 'pjsip_generated.conf'), pjsipGenerated(config), 0o600);
  await writeAtomic(path.join(etcDir, 'extensions_generated.conf'), extensionsGenerated(config, prompts), 0o640);
  await writeAtomic(path.join(etcDir, 'extensions_extra.conf'), `; extra dialplan (empty unless a benchmark adds to it)\n${extraDialplan}`, 0o640);
  return { runtimeDir, confFile: path.join(etcDir, 'asterisk.conf') };
}

/** Replaces {{NAME}}; a placeholder without a value is an error, not an empty string. */
export function fillTemplate(template: string, vars: Record<string, string>, name: string): string {
  return template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_m, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new Error(`${name}: no value for {{${key}}}`);
    return value;
  });
}

/** Asterisk language codes are lower-case with an underscore. */
export function asteriskLanguage(lang: string): string {
  return lang.replace('-', '_').toLowerCase();
}

function pjsipGenerated(config: LoadedConfig): string {
  const t = config.trunk;
  const lines: string[] = ['; generated from the hotline configuration: do not edit', ''];
  lines.push('[trunk](endpoint-defaults)', 'context = from-trunk', 'aors = trunk');
  if (t.outboundCallerId) lines.push(`from_user = ${t.outboundCallerId}`);
  if (t.username && t.password) lines.push('outbound_auth = trunk-auth');
  lines.push('', '[trunk]', 'type = aor', `contact = sip:${t.host}:${t.port}`, '');
  lines.push('[trunk]', 'type = identify', 'endpoint = trunk');
  for (const m of t.match) lines.push(`match = ${m}`);
  lines.push('');
  if (t.username && t.password) {
    lines.push('[trunk-auth]', 'type = auth', 'auth_type = userpass', `username = ${t.username}`, `password = ${t.password}`, '');
  }
  for (const p of config.phones) {
    lines.push(`[${p.name}](endpoint-defaults)`, 'context = from-phones', `aors = ${p.name}`);
    if (p.password) lines.push(`auth = ${p.name}-auth`);
    lines.push('', `[${p.name}]`, 'type = aor');
    if (p.contact) lines.push(`contact = ${p.contact}`);
    else lines.push('max_contacts = 1', 'remove_existing = yes');
    lines.push('');
    if (p.password) {
      lines.push(`[${p.name}-auth]`, 'type = auth', 'auth_type = userpass', `username = ${p.name}`, `password = ${p.password}`, '');
    }
  }
  return lines.join('\n');
}

function extensionsGenerated(config: LoadedConfig, prompts: FallbackPrompts): string {
  const d = config.duty;
  const globals: Array<[string, string]> = [
    ['APP_NAME', config.asterisk.appName],
    ['APP_ALIVE_SECONDS', String(APP_ALIVE_SECONDS)],
    ['TALK_DETECTION', TALK_DETECTION],
    ['DEFAULT_LANGUAGE', asteriskLanguage(config.languages.default)],
    ['DUTY_RING_SECONDS', String(d.ringSeconds)],
    ['DUTY_ACCEPT_SECONDS', String(d.acceptSeconds)],
    ['DUTY_TARGET_COUNT', String(d.targets.length)],
    ...d.targets.map((target, i): [string, string] => [`DUTY_TARGET_${i + 1}`, dialString(target)]),
    ['PROMPT_FALLBACK_STAY', prompts.stayOnLine],
    ['PROMPT_DUTY_EMERGENCY_FROM', prompts.dutyAnnounce],
    ['PROMPT_DUTY_PRESS_1', prompts.dutyPressOne],
    ...prompts.digits.map((file, i): [string, string] => [`PROMPT_DIGIT_${i}`, file]),
  ];
  return ['; generated from the hotline configuration: do not edit', '[globals]', ...globals.map(([k, v]) => `${k} = ${v}`), ''].join('\n');
}

/** The files of the duty-wait hold class (musiconhold.conf): links to the rendered prompts, in play order. */
async function linkDutyWaitPrompts(runtimeDir: string, prompts: FallbackPrompts): Promise<void> {
  const dir = path.join(runtimeDir, 'moh', 'duty-wait');
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await symlink(`${prompts.connecting}.wav`, path.join(dir, '1-connecting.wav'));
  await symlink(`${prompts.stayOnLine}.wav`, path.join(dir, '2-stay-on-line.wav'));
}

async function writeAtomic(file: string, content: string, mode: number): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, content, { mode });
  await rename(tmp, file);
}
