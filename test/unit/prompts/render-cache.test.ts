import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Language } from '../../../src/config/schema.ts';
import { GoogleTtsEngine, type GoogleEngineOptions } from '../../../src/prompts/google-engine.ts';
import { PromptLibrary } from '../../../src/prompts/prompt-library.ts';
import { FakeTtsServer } from '../../support/fake-tts-server.ts';

// The render cache with the cloud engine: every request the fake server (127.0.0.1) sees is a render.
const LANGS: Language[] = ['zh-CN', 'en-US'];
let server: FakeTtsServer;
let tmp: string;
let cataloguePath: string;
let renderedDir: string;
const engines: GoogleTtsEngine[] = [];

const CATALOGUE = (goodbye: string) =>
  [
    'prompts:',
    '  hello:', '    description: t', '    zh-CN: 您好！', '    en-US: Hello!',
    '  bye:', '    description: t', `    zh-CN: ${goodbye}`, '    en-US: Goodbye!',
    '  hold:', '    description: t', '    zh-CN: 请稍候。', '    en-US: Please hold.',
  ].join('\n');

beforeAll(async () => {
  server = await new FakeTtsServer().start();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hotline-cache-test-'));
  cataloguePath = path.join(tmp, 'catalogue.yaml');
  renderedDir = path.join(tmp, 'rendered');
  await writeFile(cataloguePath, CATALOGUE('再见！'));
});
afterAll(async () => {
  for (const e of engines) await e.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
});

function engine(options: GoogleEngineOptions = {}): GoogleTtsEngine {
  const e = new GoogleTtsEngine({ ...options, clientOptions: { apiEndpoint: '127.0.0.1', port: server.port, protocol: 'http', apiKey: 'k' } });
  engines.push(e);
  return e;
}
const build = (e: GoogleTtsEngine) => PromptLibrary.build({ cataloguePath, renderedDir, languages: LANGS, vars: {}, engine: e });
const rendered = () => server.requests.map((r) => `${r.body.voice.languageCode} ${r.body.input.text}`).sort();

describe.sequential('the render cache with the Google engine', () => {
  it('renders every prompt once (miss), then nothing (hit)', async () => {
    expect((await build(engine())).stats).toMatchObject({ rendered: 6, cached: 0 });
    expect(server.requests).toHaveLength(6);
    server.requests.length = 0;
    expect((await build(engine())).stats).toMatchObject({ rendered: 0, cached: 6 });
    expect(server.requests).toEqual([]);
  });

  it('re-renders only the prompt whose text changed', async () => {
    await writeFile(cataloguePath, CATALOGUE('感谢您的来电，再见！'));
    const lib = await build(engine());
    expect(rendered()).toEqual(['cmn-CN 感谢您的来电，再见！']);
    expect(lib.stats).toMatchObject({ rendered: 1, cached: 5, removed: 1 });
  });

  it('re-renders a language whose voice changed, and only that language', async () => {
    const lib = await build(engine({ voices: { 'en-US': { name: 'en-US-Wavenet-C', languageCode: 'en-US' } } }));
    expect(rendered()).toEqual(['en-US Goodbye!', 'en-US Hello!', 'en-US Please hold.']);
    expect(server.requests.every((r) => r.body.voice.name === 'en-US-Wavenet-C')).toBe(true);
    expect(lib.stats).toMatchObject({ rendered: 3, cached: 3, removed: 3 });
  });

  it('re-renders a language whose speaking rate changed', async () => {
    const lib = await build(
      engine({ voices: { 'en-US': { name: 'en-US-Wavenet-C', languageCode: 'en-US' } }, speakingRates: { 'zh-CN': 0.8 } }),
    );
    expect(rendered()).toEqual(['cmn-CN 您好！', 'cmn-CN 感谢您的来电，再见！', 'cmn-CN 请稍候。']);
    expect(server.requests.every((r) => r.body.audioConfig.speakingRate === 0.8)).toBe(true);
    expect(lib.stats).toMatchObject({ rendered: 3, cached: 3 });
  });
});
