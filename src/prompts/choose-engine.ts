import type { Language, PromptsConfig } from '../config/schema.ts';
import { EspeakEngine } from './espeak-engine.ts';
import { FallbackEngine, type FallbackEvent } from './fallback-engine.ts';
import { GoogleTtsEngine } from './google-engine.ts';
import type { TtsEngine } from './tts-engine.ts';

/**
 * How long the cloud engine may take for one text before espeak-ng speaks:
 * `on-demand` while a caller waits (prompts.fallbackAfterMs, 1 s); `batch`
 * when rendering the catalogue ahead of calls, where waiting is cheap and a
 * cloud render is worth more (the request timeout and its retry).
 */
export type RenderMode = 'on-demand' | 'batch';

export interface ChosenEngine {
  engine: TtsEngine;
  /** For logs and the render command, e.g. "google-tts/1 (cmn-CN-Wavenet-A 0.75, …), espeak-ng/1 as fallback". */
  description: string;
  /** The cloud client loads and reads its credentials now rather than inside the first timeout. */
  warmUp(): Promise<void>;
  close(): Promise<void>;
}

export interface ChooseEngineOptions {
  mode: RenderMode;
  languages: readonly Language[];
  onFallback?: (event: FallbackEvent) => void;
}

/** Google only when asked for, or on `auto` when credentials are configured: everything works with no cloud account. */
export function usesGoogle(config: PromptsConfig): boolean {
  return config.engine === 'google' || (config.engine === 'auto' && config.google.credentialsFile !== undefined);
}

export function chooseEngine(config: PromptsConfig, options: ChooseEngineOptions): ChosenEngine {
  const espeak = new EspeakEngine({ rates: config.espeak.rate, voices: config.espeak.voices });
  const settings = (e: TtsEngine) => options.languages.map((l) => `${e.voiceFor(l)} ${e.rateFor(l)}`).join(', ');
  if (!usesGoogle(config)) {
    return { engine: espeak, description: `${espeak.id} (${settings(espeak)})`, warmUp: async () => {}, close: async () => {} };
  }
  const google = new GoogleTtsEngine({
    voices: config.google.voices,
    speakingRates: config.google.speakingRate,
    timeoutMs: config.google.timeoutMs,
    retries: 1,
    ...(config.google.credentialsFile ? { credentialsFile: config.google.credentialsFile } : {}),
    ...(config.google.apiEndpoint ? { apiEndpoint: config.google.apiEndpoint } : {}),
  });
  const timeoutMs = options.mode === 'on-demand' ? config.fallbackAfterMs : 2 * config.google.timeoutMs + 1000;
  const engine = new FallbackEngine({
    primary: google,
    fallback: espeak,
    timeoutMs,
    ...(options.onFallback ? { onFallback: options.onFallback } : {}),
  });
  return {
    engine,
    description: `${google.id} (${settings(google)}), ${espeak.id} (${settings(espeak)}) when it fails or takes over ${timeoutMs} ms`,
    warmUp: () => google.initialize(),
    close: () => google.close(),
  };
}
