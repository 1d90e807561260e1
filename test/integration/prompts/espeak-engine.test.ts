import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EspeakEngine, splitScripts } from '../../../src/prompts/espeak-engine.ts';
import { readWavInfo } from '../../../src/prompts/render-cache.ts';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hotline-espeak-test-'));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('splitScripts', () => {
  it('gives English runs inside Mandarin text to the Latin voice', () => {
    expect(splitScripts('人工服务请按0。For English, press 9.', 'cmn', 'en-us')).toEqual([
      { text: '人工服务请按0。', voice: 'cmn' },
      { text: 'For English, press 9.', voice: 'en-us' },
    ]);
    expect(splitScripts('请按1。', 'cmn', 'en-us')).toEqual([{ text: '请按1。', voice: 'cmn' }]);
    expect(splitScripts('Press 1.', 'en-us')).toEqual([{ text: 'Press 1.', voice: 'en-us' }]);
  });
});

describe('EspeakEngine', () => {
  const engine = new EspeakEngine();

  it('uses a Mandarin voice that speaks tones, not tone numbers, and a moderate rate', () => {
    expect(engine.voiceFor('zh-CN')).toBe('cmn-latn-pinyin');
    expect(engine.voiceFor('en-US')).toBe('en-us');
    // Measured to give 180–200 Mandarin characters a minute (SPK-01); see DEFAULT_ESPEAK_RATES.
    expect(engine.rateFor('zh-CN')).toBe(165);
    expect(engine.rateFor('en-US')).toBe(170);
    expect(new EspeakEngine({ rate: 150, rates: { 'en-US': 160 } }).rateFor('zh-CN')).toBe(150);
    expect(new EspeakEngine({ rate: 150, rates: { 'en-US': 160 } }).rateFor('en-US')).toBe(160);
  });

  it('writes 8 kHz 16-bit mono WAV, also for mixed Mandarin and English', async () => {
    const out = path.join(tmp, 'menu.wav');
    await engine.synthesize('人工服务请按0。For English, press 9.', 'zh-CN', out);
    expect(await readWavInfo(out)).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16, format: 1 });
    // Text starting with "-" is text, not an option.
    const dash = path.join(tmp, 'dash.wav');
    await engine.synthesize('-1', 'en-US', dash);
    expect((await readWavInfo(dash)).durationMs).toBeGreaterThan(300);
  });

  it('surfaces stderr and leaves no file behind when a program fails', async () => {
    const out = path.join(tmp, 'fail', 'x.wav');
    await rm(path.dirname(out), { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(path.dirname(out)));
    const broken = new EspeakEngine({ voices: { 'en-US': 'zz-nonexistent' } });
    await expect(broken.synthesize('Hello', 'en-US', out)).rejects.toThrow(/espeak-ng exited with code \d+: .*voice does not exist/);
    const noSox = new EspeakEngine({ soxBinary: 'sox-not-installed' });
    await expect(noSox.synthesize('Hello', 'en-US', out)).rejects.toThrow(/sox-not-installed is not installed/);
    expect(await readdir(path.dirname(out))).toEqual([]);
  });
});
