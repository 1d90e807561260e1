import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Language } from '../../../src/config/schema.ts';
import { EspeakEngine } from '../../../src/prompts/espeak-engine.ts';
import { FallbackEngine, type FallbackEvent } from '../../../src/prompts/fallback-engine.ts';
import { GoogleTtsEngine } from '../../../src/prompts/google-engine.ts';
import { PromptLibrary } from '../../../src/prompts/prompt-library.ts';
import { readWavInfo, renderHash } from '../../../src/prompts/render-cache.ts';
import { FakeTtsServer } from '../../support/fake-tts-server.ts';

// The cloud engine talks to a server of the test's own on 127.0.0.1; the fallback is the real espeak-ng.
let server: FakeTtsServer;
let tmp: string;
const clouds: GoogleTtsEngine[] = [];

beforeAll(async () => {
  server = await new FakeTtsServer().start();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hotline-fallback-test-'));
});
afterAll(async () => {
  for (const c of clouds) await c.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
  server.behaviour = { kind: 'ok' };
});

const espeak = new EspeakEngine();

async function cloud(): Promise<GoogleTtsEngine> {
  const engine = new GoogleTtsEngine({
    retries: 0,
    clientOptions: { apiEndpoint: '127.0.0.1', port: server.port, protocol: 'http', apiKey: 'test-key' },
  });
  await engine.initialize();
  clouds.push(engine);
  return engine;
}

async function wrapped(options: { timeoutMs?: number; now?: () => number } = {}) {
  const events: FallbackEvent[] = [];
  const primary = await cloud();
  const engine = new FallbackEngine({ primary, fallback: espeak, timeoutMs: options.timeoutMs ?? 1000, onFallback: (e) => events.push(e), ...(options.now ? { now: options.now } : {}) });
  return { engine, primary, events };
}

async function dir(name: string): Promise<string> {
  const d = path.join(tmp, name);
  await rm(d, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
  return d;
}

describe('FallbackEngine', () => {
  it('uses the cloud engine while it answers, and identifies as it', async () => {
    const { engine, primary, events } = await wrapped();
    const out = path.join(await dir('ok'), 'a.wav');
    expect(engine.id).toBe(primary.id);
    expect(engine.voiceFor('zh-CN')).toBe(primary.voiceFor('zh-CN'));
    expect(engine.rateFor('zh-CN')).toBe(primary.rateFor('zh-CN'));
    expect(await engine.synthesize('Hello', 'en-US', out)).toBe(primary);
    expect(server.requests).toHaveLength(1);
    expect(events).toEqual([]);
  });

  it('falls back to espeak-ng on a 5xx, says so, and skips the cloud for a while', async () => {
    let now = 1_000_000;
    const { engine, events } = await wrapped({ now: () => now });
    server.behaviour = { kind: 'status', status: 503 };
    const out = path.join(await dir('5xx'), 'a.wav');
    expect(await engine.synthesize('Hello', 'en-US', out)).toBe(espeak);
    expect(await readWavInfo(out)).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    expect(events).toHaveLength(1);
    expect(events[0]!.reason).toMatch(/google-tts\/1: .*synthetic failure/);

    // The next text does not wait for the cloud at all ...
    server.behaviour = { kind: 'ok' };
    expect(engine.current()).toBe(espeak);
    expect(await engine.synthesize('Goodbye', 'en-US', path.join(path.dirname(out), 'b.wav'))).toBe(espeak);
    expect(server.requests).toHaveLength(1);
    // ... until a minute has passed.
    now += 61_000;
    expect(engine.current()).not.toBe(espeak);
    expect((await engine.synthesize('Goodbye', 'en-US', path.join(path.dirname(out), 'c.wav')))?.id).toBe('google-tts/1');
  });

  it('falls back within a second when the cloud does not answer, and the cancelled request leaves no file of its own', async () => {
    const { engine, events } = await wrapped({ timeoutMs: 1000 });
    server.behaviour = { kind: 'hang' };
    const d = await dir('hang');
    const out = path.join(d, 'a.wav');
    const started = Date.now();
    expect(await engine.synthesize('您好！您的电话已接通，请讲话。', 'zh-CN', out)).toBe(espeak);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1000);
    // One second of waiting, then espeak-ng's own render (about 0.1–0.3 s here).
    expect(took).toBeLessThan(2500);
    expect(events[0]!.reason).toMatch(/no answer within 1000 ms/);
    expect(await readdir(d)).toEqual(['a.wav']);
    expect((await readWavInfo(out)).sampleRate).toBe(8000);
  });
});

describe('PromptLibrary with a FallbackEngine', () => {
  const LANGS: Language[] = ['zh-CN', 'en-US'];
  let cataloguePath: string;
  beforeAll(async () => {
    cataloguePath = path.join(tmp, 'small.yaml');
    await writeFile(
      cataloguePath,
      'prompts:\n  hello:\n    description: t\n    zh-CN: 您好！\n    en-US: Hello!\n  bye:\n    description: t\n    zh-CN: 再见！\n    en-US: Goodbye!\n',
    );
  });

  it('renders on demand with espeak-ng when the cloud hangs, filed under espeak-ng\'s key', async () => {
    const { engine } = await wrapped({ timeoutMs: 1000 });
    const renderedDir = await dir('lib-hang');
    const library = await PromptLibrary.build({ cataloguePath, renderedDir, languages: LANGS, vars: {}, engine });
    expect(library.renderedBy('hello', 'zh-CN')).toBe('google-tts/1');

    server.behaviour = { kind: 'hang' };
    const started = Date.now();
    const file = await library.renderText('您的报修单已受理。', 'zh-CN');
    expect(Date.now() - started).toBeLessThan(2500);
    expect(path.basename(file)).toBe(renderHash(espeak, 'zh-CN', '您的报修单已受理。').slice(0, 16));
    expect((await readWavInfo(`${file}.wav`)).sampleRate).toBe(8000);
  });

  it('keeps using espeak-ng files while the cloud is down, and replaces them once it is back', async () => {
    const renderedDir = await dir('lib-down');
    server.behaviour = { kind: 'status', status: 500 };
    const down = await wrapped();
    const first = await PromptLibrary.build({ cataloguePath, renderedDir, languages: LANGS, vars: {}, engine: down.engine });
    expect(first.stats).toMatchObject({ rendered: 4, fallbacks: 4 });
    expect(first.renderedBy('bye', 'en-US')).toBe('espeak-ng/1');
    // One failed request; the other prompts went straight to espeak-ng.
    expect(server.requests.length).toBeLessThanOrEqual(2);

    // Still down (a new process): one timeout, then the espeak-ng files are reused.
    server.requests.length = 0;
    const again = await wrapped();
    const second = await PromptLibrary.build({ cataloguePath, renderedDir, languages: LANGS, vars: {}, engine: again.engine });
    expect(second.stats.cached).toBeGreaterThanOrEqual(2);
    expect(second.stats.fallbacks).toBe(4);

    // Back up: every prompt is rendered by the cloud and the espeak-ng files go.
    server.behaviour = { kind: 'ok' };
    server.requests.length = 0;
    const up = await wrapped();
    const third = await PromptLibrary.build({ cataloguePath, renderedDir, languages: LANGS, vars: {}, engine: up.engine });
    expect(third.stats).toMatchObject({ rendered: 4, fallbacks: 0, removed: 4 });
    expect(server.requests).toHaveLength(4);
    for (const lang of LANGS) expect((await readdir(path.join(renderedDir, lang))).filter((n) => n.endsWith('.wav'))).toHaveLength(2);
  });
});
