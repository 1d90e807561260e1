import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig, parseConfig, PROJECT_ROOT } from '../../../src/config/load-config.ts';
import { chooseEngine, usesGoogle } from '../../../src/prompts/choose-engine.ts';

const LANGS = ['zh-CN', 'en-US'] as const;

describe('chooseEngine', () => {
  it('speaks with espeak-ng when no cloud credentials are configured', () => {
    const config = loadConfig({});
    expect(config.prompts.engine).toBe('auto');
    expect(usesGoogle(config.prompts)).toBe(false);
    const { engine } = chooseEngine(config.prompts, { mode: 'batch', languages: LANGS });
    expect(engine.id).toBe('espeak-ng/1');
    expect(engine.rateFor('zh-CN')).toBe(165);
  });

  it('uses Google behind the espeak-ng fallback once GOOGLE_APPLICATION_CREDENTIALS is set', () => {
    const config = loadConfig({ GOOGLE_APPLICATION_CREDENTIALS: '/etc/hotline/tts-key.json' });
    expect(config.prompts.google.credentialsFile).toBe('/etc/hotline/tts-key.json');
    const chosen = chooseEngine(config.prompts, { mode: 'on-demand', languages: LANGS });
    expect(chosen.engine.id).toBe('google-tts/1');
    expect(chosen.engine.voiceFor('zh-CN')).toBe('cmn-CN-Wavenet-A');
    expect(chosen.engine.rateFor('zh-CN')).toBe(0.75);
    expect(chosen.engine.current?.().id).toBe('google-tts/1');
    expect(chosen.description).toMatch(/espeak-ng\/1 .* over 1000 ms$/);
    expect(chooseEngine(config.prompts, { mode: 'batch', languages: LANGS }).description).toMatch(/over 21000 ms$/);
  });

  it('follows an explicit choice and the configured voices and rates', () => {
    const base = parseYaml(readFileSync(path.join(PROJECT_ROOT, 'config', 'hotline.yaml'), 'utf8')) as Record<string, unknown>;
    const raw = (prompts: unknown) => ({ ...structuredClone(base), prompts });
    const espeakOnly = parseConfig(raw({ engine: 'espeak', google: { credentialsFile: 'key.json' }, espeak: { rate: { 'zh-CN': 160 } } }), 'test.yaml');
    const chosen = chooseEngine(espeakOnly.prompts, { mode: 'batch', languages: LANGS });
    expect(chosen.engine.id).toBe('espeak-ng/1');
    expect(chosen.engine.rateFor('zh-CN')).toBe(160);
    expect(chosen.engine.rateFor('en-US')).toBe(170);

    const google = parseConfig(
      raw({ engine: 'google', google: { voices: { 'zh-CN': { name: 'cmn-CN-Standard-D', languageCode: 'cmn-CN' } }, speakingRate: { 'zh-CN': 0.8 } } }),
      'test.yaml',
    );
    const g = chooseEngine(google.prompts, { mode: 'batch', languages: LANGS }).engine;
    expect([g.id, g.voiceFor('zh-CN'), g.rateFor('zh-CN'), g.voiceFor('en-US')]).toEqual(['google-tts/1', 'cmn-CN-Standard-D', 0.8, 'en-US-Wavenet-F']);
    expect(() => parseConfig(raw({ engine: 'polly' }), 'test.yaml')).toThrow(/prompts\.engine/);
    expect(() => parseConfig(raw({ google: { speakingRate: { 'zh-CN': 9 } } }), 'test.yaml')).toThrow(/speakingRate/);
  });
});
