import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ConfigError, nodeIdFromHost, parseConfig, PROJECT_ROOT } from '../../../src/config/load-config.ts';
import { createLogger } from '../../../src/logging/logger.ts';

const demo = parseYaml(readFileSync(join(PROJECT_ROOT, 'config/hotline.yaml'), 'utf8')) as Record<string, any>;
const parse = (extra: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) => parseConfig({ ...demo, ...extra }, 'test.yaml', env);

describe('the node', () => {
  it('is named in the config, by HOTLINE_NODE_ID, or after the host', () => {
    expect(parse({ node: { id: 'node-2' } }).node).toEqual({ id: 'node-2', cluster: false, goneAfterSeconds: 300 });
    expect(parse({ node: { id: 'node-2' } }, { HOTLINE_NODE_ID: 'node-3' }).node.id).toBe('node-3');
    expect(parse({}).node.id).toMatch(/^[a-z0-9][a-z0-9-]{0,39}$/);
    expect(nodeIdFromHost('Hotline_A.example.net')).toBe('hotline-a');
    expect(nodeIdFromHost('---')).toBe('node');
    expect(() => parse({ node: { id: 'Node 1' } })).toThrow(ConfigError);
  });

  it('refuses a cluster on the embedded database, with a message that says what to do', () => {
    let problems: string[] = [];
    try {
      parse({ node: { id: 'node-1', cluster: true }, database: {} });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems.join('\n')).toMatch(/node\.cluster is true but database\.url is not set.*PGlite serves one process/);
    expect(parse({ node: { id: 'node-1', cluster: true }, database: { url: 'postgres://h/db' } }).node.cluster).toBe(true);
  });

  it('is on every log line', () => {
    const lines: string[] = [];
    const out = new Writable({ write(chunk, _e, cb) { lines.push(String(chunk)); cb(); } });
    const log = createLogger('info', out, { node: 'node-7' });
    log.child({ component: 'x' }).info('hello');
    expect(JSON.parse(lines[0]!)).toMatchObject({ node: 'node-7', service: 'hotline', component: 'x', msg: 'hello' });
  });
});
