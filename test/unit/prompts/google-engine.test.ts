import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { googleAuthLibrary } from 'google-gax';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GoogleTtsEngine, synthesisInput, type GoogleEngineOptions } from '../../../src/prompts/google-engine.ts';
import { readWavInfo } from '../../../src/prompts/render-cache.ts';
import { parseWav } from '../../../src/audio/wav.ts';
import { FakeTtsServer } from '../../support/fake-tts-server.ts';

// Everything goes to a server of the test's own on 127.0.0.1: no test reaches the internet.
let server: FakeTtsServer;
let tmp: string;
const engines: GoogleTtsEngine[] = [];

beforeAll(async () => {
  server = await new FakeTtsServer().start();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hotline-google-test-'));
});
afterAll(async () => {
  for (const e of engines) await e.close();
  await server?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  server.requests.length = 0;
  server.behaviour = { kind: 'ok' };
});

/** An engine talking plain HTTP REST to the fake server, with an API key: no token is ever fetched. */
function localEngine(options: GoogleEngineOptions = {}): GoogleTtsEngine {
  const engine = new GoogleTtsEngine({
    ...options,
    clientOptions: { apiEndpoint: '127.0.0.1', port: server.port, protocol: 'http', apiKey: 'test-key', ...options.clientOptions },
  });
  engines.push(engine);
  return engine;
}

describe('GoogleTtsEngine against a local Text-to-Speech REST server', () => {
  it('asks for LINEAR16 at 8000 Hz with the configured voice and rate, and writes 8 kHz 16-bit mono WAV', async () => {
    const engine = localEngine({
      voices: { 'en-US': { name: 'en-US-Test-B', languageCode: 'en-US' } },
      speakingRates: { 'en-US': 0.9 },
    });
    const out = path.join(tmp, 'hello.wav');
    await engine.synthesize('Thank you for calling. Goodbye!', 'en-US', out);

    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toMatch(/^\/v1\/text:synthesize(\?|$)/);
    expect(req.headers['x-goog-api-key']).toBe('test-key');
    expect(req.body).toMatchObject({
      input: { text: 'Thank you for calling. Goodbye!' },
      voice: { name: 'en-US-Test-B', languageCode: 'en-US' },
      // The REST transport sends enums as numbers: LINEAR16 = 1.
      audioConfig: { audioEncoding: 1, sampleRateHertz: 8000, speakingRate: 0.9 },
    });
    expect(req.body.input.ssml).toBeUndefined();

    const info = await readWavInfo(out);
    expect(info).toMatchObject({ format: 1, sampleRate: 8000, channels: 1, bitsPerSample: 16, durationMs: 500 });
    // A canonical 44-byte header, and the peak normalised to -3 dBFS like espeak-ng's output.
    const bytes = await readFile(out);
    expect(bytes.readUInt32LE(40)).toBe(bytes.length - 44);
    const { pcm } = parseWav(bytes);
    let peak = 0;
    for (let i = 0; i < pcm.length; i += 2) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i)));
    expect(peak).toBeGreaterThan(23000);
    expect(peak).toBeLessThan(23300);
  });

  it('uses the Mandarin voice and SSML for the English run of a Mandarin text', async () => {
    const engine = localEngine();
    await engine.synthesize('人工服务请按0。For English, press 9.', 'zh-CN', path.join(tmp, 'menu.wav'));
    expect(server.requests[0]!.body).toMatchObject({
      input: { ssml: '<speak>人工服务请按0。 <lang xml:lang="en-US">For English, press 9.</lang></speak>' },
      voice: { name: 'cmn-CN-Wavenet-A', languageCode: 'cmn-CN' },
      audioConfig: { audioEncoding: 1, sampleRateHertz: 8000, speakingRate: engine.rateFor('zh-CN') },
    });
    expect(synthesisInput('请按1。', 'zh-CN')).toEqual({ text: '请按1。' });
    expect(synthesisInput('请按9。For "English" & more, press 9.', 'zh-CN')).toEqual({
      ssml: '<speak>请按9。 <lang xml:lang="en-US">For &quot;English&quot;</lang> &amp; <lang xml:lang="en-US">more, press 9.</lang></speak>',
    });
  });

  it('converts an answer in another format to 8 kHz mono', async () => {
    server.behaviour = { kind: 'ok', format: { format: 1, sampleRate: 16000, channels: 2, bitsPerSample: 16 }, seconds: 1 };
    const out = path.join(tmp, 'converted.wav');
    await localEngine().synthesize('Hello', 'en-US', out);
    const info = await readWavInfo(out);
    expect(info).toMatchObject({ format: 1, sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    expect(info.durationMs).toBeGreaterThan(950);
    expect(info.durationMs).toBeLessThan(1050);
  });

  it('sends the token of a credentials client as a bearer token', async () => {
    // A google-auth-library client whose token is valid for an hour: it never refreshes, so never goes out.
    const auth = new googleAuthLibrary.OAuth2Client();
    auth.setCredentials({ access_token: 'fixed-test-token', expiry_date: Date.now() + 3_600_000 });
    const engine = localEngine({ clientOptions: { authClient: auth, apiKey: undefined } });
    await engine.synthesize('Hello', 'en-US', path.join(tmp, 'bearer.wav'));
    expect(server.requests[0]!.headers.authorization).toBe('Bearer fixed-test-token');
  });

  it('fails on a 5xx after its retry and leaves no file behind', async () => {
    server.behaviour = { kind: 'status', status: 500 };
    const dir = path.join(tmp, 'failing');
    await mkdir(dir);
    await expect(localEngine({ retries: 1 }).synthesize('Hello', 'en-US', path.join(dir, 'x.wav'))).rejects.toThrow(/synthetic failure/);
    expect(server.requests).toHaveLength(2);
    expect(await readdir(dir)).toEqual([]);
  });

  it('does not retry a request the server refuses (4xx)', async () => {
    server.behaviour = { kind: 'status', status: 400 };
    await expect(localEngine({ retries: 3 }).synthesize('Hello', 'en-US', path.join(tmp, 'bad.wav'))).rejects.toThrow();
    expect(server.requests).toHaveLength(1);
  });

  it('gives up after its timeout when the server does not answer', async () => {
    server.behaviour = { kind: 'hang' };
    const started = Date.now();
    await expect(localEngine({ timeoutMs: 300, retries: 1 }).synthesize('Hello', 'en-US', path.join(tmp, 'slow.wav'))).rejects.toThrow(
      /no answer within 300 ms/,
    );
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(590);
    expect(took).toBeLessThan(2000);
    expect(server.requests).toHaveLength(2);
    await expect(stat(path.join(tmp, 'slow.wav'))).rejects.toThrow(/ENOENT/);
  });
});
