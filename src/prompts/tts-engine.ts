import type { Language } from '../config/schema.ts';

/**
 * A text-to-speech engine that writes telephone-ready audio: 8 kHz, 16-bit,
 * mono WAV. The prompt library keys its cache on `id`, `voiceFor(lang)`,
 * `rateFor(lang)` and the text, so an engine must change one of them whenever
 * the same text would sound different.
 */
export interface TtsEngine {
  /** Engine name and revision, e.g. "espeak-ng/1". */
  readonly id: string;
  voiceFor(lang: Language): string;
  /** Speaking rate in the engine's own unit (espeak-ng: words a minute; Google: 1.0 = normal). */
  rateFor(lang: Language): number;
  /**
   * Renders `text`; `outWavPath` appears atomically (complete or not at all).
   * Resolves to another engine when that one made the sound (a fallback), so
   * the cache files it under that engine's key and not under this one's.
   */
  synthesize(text: string, lang: Language, outWavPath: string, options?: SynthesizeOptions): Promise<TtsEngine | void>;
  /**
   * The engine that would render right now, when that can differ from this one
   * (a fallback wrapper whose cloud engine is known to be down): the cache then
   * looks for that engine's files first instead of waiting for a timeout.
   */
  current?(): TtsEngine;
}

export interface SynthesizeOptions {
  /** Aborted when the result is no longer wanted: the engine must then not write `outWavPath`. */
  signal?: AbortSignal;
}
