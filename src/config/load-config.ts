import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, type HotlineConfig } from './schema.ts';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** The project root: where package.json, flows/ and prompts/ live. */
export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Loaded configuration with every path made absolute. */
export interface LoadedConfig extends HotlineConfig {
  /** The node's id resolved (configured, HOTLINE_NODE_ID, or the host name made fit). */
  node: { id: string; cluster: boolean; goneAfterSeconds: number };
  /** recordingsDir made absolute (relative paths are inside dataDir). */
  voicemail: HotlineConfig['voicemail'] & { recordingsDir: string };
  /** The file it came from, for messages. */
  source: string;
  projectRoot: string;
}

/** Environment variables the service reads; nothing else reads process.env. */
const ENV_OVERRIDES: Array<[string, (c: Record<string, any>, v: string) => void]> = [
  ['HOTLINE_DATA_DIR', (c, v) => { c.dataDir = v; }],
  ['HOTLINE_LOG_LEVEL', (c, v) => { c.logLevel = v; }],
  ['HOTLINE_NOW', (c, v) => { c.clockStart = v; }],
  ['HOTLINE_HTTP_PORT', (c, v) => { (c.http ??= {}).port = Number(v); }],
  ['HOTLINE_ADMIN_TOKEN', (c, v) => { (c.http ??= {}).adminToken = v; }],
  ['HOTLINE_NODE_ID', (c, v) => { (c.node ??= {}).id = v; }],
  ['HOTLINE_DATABASE_URL', (c, v) => { (c.database ??= {}).url = v; }],
  ['HOTLINE_ARI_PASSWORD', (c, v) => { (c.asterisk ??= {}).ariPassword = v; }],
  ['HOTLINE_RECORDINGS_DIR', (c, v) => { (c.voicemail ??= {}).recordingsDir = v; }],
  ['HOTLINE_PUBLIC_BASE_URL', (c, v) => { (c.notifications ??= {}).publicBaseUrl = v; }],
  ['HOTLINE_WEBHOOK_URL', (c, v) => { ((c.notifications ??= {}).webhook ??= {}).url = v; }],
  // A secret alone does not switch the webhook on (it would fail validation without a url).
  ['HOTLINE_WEBHOOK_SECRET', (c, v) => { if (c.notifications?.webhook) c.notifications.webhook.secret = v; }],
  ['HOTLINE_SMTP_URL', (c, v) => { Object.assign((c.notifications ??= {}).email ??= {}, parseSmtpUrl(v)); }],
  // Google's own variable for application-default credentials; a key in the file wins.
  ['GOOGLE_APPLICATION_CREDENTIALS', (c, v) => { ((c.prompts ??= {}).google ??= {}).credentialsFile ??= v; }],
];

/**
 * smtp://user:password@host:587 (STARTTLS when offered) or smtps://…:465 (TLS
 * from the start) as the e-mail channel's server settings. The message never
 * repeats the value: it may hold a password.
 */
function parseSmtpUrl(value: string): Record<string, unknown> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(['HOTLINE_SMTP_URL: not a URL (expected smtp://user:password@host:port or smtps://…)']);
  }
  if ((url.protocol !== 'smtp:' && url.protocol !== 'smtps:') || !url.hostname) {
    throw new ConfigError(['HOTLINE_SMTP_URL: expected smtp://user:password@host:port or smtps://…']);
  }
  const secure = url.protocol === 'smtps:';
  const out: Record<string, unknown> = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
  };
  if (url.username) out.user = decodeURIComponent(url.username);
  if (url.password) out.password = decodeURIComponent(url.password);
  return out;
}

/** For the entry points: the configuration, or its problems on stderr and exit code 2 (no stack trace for a user's mistake). */
export function loadConfigOrExit(): LoadedConfig {
  try {
    return loadConfig();
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(2);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LoadedConfig {
  const source = path.resolve(PROJECT_ROOT, env.HOTLINE_CONFIG ?? 'config/hotline.yaml');
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(source, 'utf8'));
  } catch (err) {
    throw new ConfigError([`cannot read ${source}: ${(err as Error).message}`]);
  }
  return parseConfig(raw ?? {}, source, env);
}

/** Validates a configuration object (already parsed) and applies the environment. */
export function parseConfig(raw: unknown, source: string, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError([`${source}: expected a mapping at the top level`]);
  }
  const data = structuredClone(raw) as Record<string, any>;
  for (const [name, apply] of ENV_OVERRIDES) {
    const value = env[name];
    if (value !== undefined && value !== '') apply(data, value);
  }

  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(ConfigSchema);
  if (!validate(data)) {
    throw new ConfigError((validate.errors ?? []).map((e) => describeAjvError(source, e)));
  }
  const config = data as HotlineConfig;
  const problems = semanticProblems(config);
  if (problems.length > 0) throw new ConfigError(problems.map((p) => `${source}: ${p}`));

  const root = PROJECT_ROOT;
  const dataDir = path.resolve(root, config.dataDir);
  return {
    ...config,
    node: { id: config.node.id ?? nodeIdFromHost(hostname()), cluster: config.node.cluster, goneAfterSeconds: config.node.goneAfterSeconds },
    dataDir,
    voicemail: { ...config.voicemail, recordingsDir: path.resolve(dataDir, config.voicemail.recordingsDir ?? 'recordings') },
    flowFile: path.resolve(root, config.flowFile),
    prompts: {
      ...config.prompts,
      catalogue: path.resolve(root, config.prompts.catalogue),
      renderedDir: path.resolve(root, config.prompts.renderedDir),
      google: {
        ...config.prompts.google,
        ...(config.prompts.google.credentialsFile ? { credentialsFile: path.resolve(root, config.prompts.google.credentialsFile) } : {}),
      },
    },
    source,
    projectRoot: root,
  };
}

export function describeAjvError(source: string, e: ErrorObject): string {
  const where = e.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : '(top level)';
  if (e.keyword === 'additionalProperties') {
    return `${source}: ${where}: unknown setting "${String(e.params.additionalProperty)}"`;
  }
  if (e.keyword === 'required') {
    return `${source}: ${where}: missing "${String(e.params.missingProperty)}"`;
  }
  if (e.keyword === 'pattern') {
    return `${source}: ${where}: "${String(e.data)}" does not match ${String(e.params.pattern)}`;
  }
  return `${source}: ${where}: ${e.message ?? e.keyword}`;
}

/** A host name as a node id: lower case, letters, digits and dashes, at most 40. */
export function nodeIdFromHost(host: string): string {
  const id = host.toLowerCase().split('.')[0]!.replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return id || 'node';
}

function semanticProblems(c: HotlineConfig): string[] {
  const problems: string[] = [];
  if (c.node.cluster && !c.database.url) {
    problems.push('node.cluster is true but database.url is not set: several nodes share one PostgreSQL server, and the embedded PGlite serves one process only (set database.url or HOTLINE_DATABASE_URL)');
  }
  const phones = new Set<string>();
  for (const p of c.phones) {
    if (phones.has(p.name)) problems.push(`phones: "${p.name}" is defined twice`);
    phones.add(p.name);
    if (!p.contact && !p.password) problems.push(`phones.${p.name}: needs a contact or a password`);
    if (p.name === 'trunk') problems.push('phones: "trunk" is reserved for the trunk');
  }
  const checkTargets = (what: string, targets: string[]) => {
    for (const t of targets) {
      if (!t.startsWith('tel:') && !phones.has(t)) problems.push(`${what}: target "${t}" is not a configured phone`);
    }
  };
  checkTargets('serviceDesk.targets', c.serviceDesk.targets);
  checkTargets('duty.targets', c.duty.targets);
  if (c.asterisk.rtpPortStart >= c.asterisk.rtpPortEnd) {
    problems.push('asterisk: rtpPortStart must be below rtpPortEnd');
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: c.calendar.timezone });
  } catch {
    problems.push(`calendar.timezone: unknown time zone "${c.calendar.timezone}"`);
  }
  for (const [day, intervals] of Object.entries(c.calendar.weekly)) {
    for (const iv of intervals) {
      const [from, to] = iv.split('-') as [string, string];
      if (from >= to) problems.push(`calendar.weekly.${day}: "${iv}" ends before it starts`);
    }
  }
  if (!c.languages.enabled.includes(c.languages.default)) {
    problems.push(`languages: default "${c.languages.default}" is not enabled`);
  }
  const n = c.notifications;
  if (n.retry.maxSeconds < n.retry.baseSeconds) {
    problems.push('notifications.retry: maxSeconds must not be below baseSeconds');
  }
  if (n.email?.password && !n.email.user) problems.push('notifications.email: a password needs a user');
  if (n.publicBaseUrl !== undefined && !URL.canParse(n.publicBaseUrl)) {
    problems.push(`notifications.publicBaseUrl: "${n.publicBaseUrl}" is not a URL`);
  }
  if (n.webhook && !URL.canParse(n.webhook.url)) problems.push('notifications.webhook.url: not a URL');
  if (c.clockStart !== undefined && Number.isNaN(Date.parse(c.clockStart))) {
    problems.push(`clockStart (HOTLINE_NOW): "${c.clockStart}" is not a date-time`);
  }
  return problems;
}
