import { withDeadline } from '../async/deadline.ts';
import { rm } from 'node:fs/promises';
import type { Language } from '../config/schema.ts';
import type { SynthesizeOptions, TtsEngine } from './tts-engine.ts';

export interface FallbackEngineOptions {
  /** The engine that should speak: the cloud one. */
  primary: TtsEngine;
  /** The engine that always can: espeak-ng, offline. */
  fallback: TtsEngine;
  /**
   * How long the primary may take for one text before the fallback renders it
   * instead. Default 1000 ms: on demand a caller is waiting in silence.
   */
  timeoutMs?: number;
  /**
   * After a failure, texts go straight to the fallback for this long, so a
   * cloud outage costs one timeout and not one per prompt. Default 60 s.
   */
  retryAfterMs?: number;
  /** Told about every fallback, e.g. to log a warning. */
  onFallback?: (event: FallbackEvent) => void;
  now?: () => number;
}

export interface FallbackEvent {
  lang: Language;
  text: string;
  /** Why the primary was not used: its error, a timeout, or an earlier failure. */
  reason: string;
}

/**
 * Renders with the primary engine, and with the fallback when the primary
 * fails or is slower than `timeoutMs`. It identifies as the primary (same
 * id, voices and rates), so the cache looks for the primary's files; when
 * the fallback made the sound, synthesize() resolves to the fallback engine
 * and the cache files the result under the fallback's key, to be replaced by
 * the primary's sound on a later render.
 */
export class FallbackEngine implements TtsEngine {
  readonly #primary: TtsEngine;
  readonly #fallback: TtsEngine;
  readonly #timeoutMs: number;
  readonly #retryAfterMs: number;
  readonly #onFallback: (event: FallbackEvent) => void;
  readonly #now: () => number;
  /** The primary is not tried again before this instant (ms since the epoch). */
  #primaryDownUntil = 0;

  constructor(options: FallbackEngineOptions) {
    this.#primary = options.primary;
    this.#fallback = options.fallback;
    this.#timeoutMs = options.timeoutMs ?? 1000;
    this.#retryAfterMs = options.retryAfterMs ?? 60_000;
    this.#onFallback = options.onFallback ?? (() => {});
    this.#now = options.now ?? Date.now;
  }

  get id(): string {
    return this.#primary.id;
  }

  voiceFor(lang: Language): string {
    return this.#primary.voiceFor(lang);
  }

  rateFor(lang: Language): number {
    return this.#primary.rateFor(lang);
  }

  current(): TtsEngine {
    return this.#now() < this.#primaryDownUntil ? this.#fallback : this.#primary;
  }

  async synthesize(text: string, lang: Language, outWavPath: string, options: SynthesizeOptions = {}): Promise<TtsEngine | void> {
    if (this.current() === this.#fallback) {
      return this.#useFallback(text, lang, outWavPath, 'the primary engine failed recently', options);
    }
    const abort = new AbortController();
    const onOuterAbort = () => abort.abort(options.signal?.reason);
    options.signal?.addEventListener('abort', onOuterAbort, { once: true });
    const attempt = this.#primary.synthesize(text, lang, outWavPath, { signal: abort.signal });
    try {
      return (await withDeadline(attempt, this.#timeoutMs, this.#primary.id, () => new Error(`no answer within ${this.#timeoutMs} ms`))) ?? this.#primary;
    } catch (err) {
      if (options.signal?.aborted) throw err;
      // Stop the primary so that a late answer cannot overwrite the fallback's file.
      abort.abort();
      attempt.catch(() => {});
      this.#primaryDownUntil = this.#now() + this.#retryAfterMs;
      return this.#useFallback(text, lang, outWavPath, `${this.#primary.id}: ${(err as Error).message}`, options);
    } finally {
      options.signal?.removeEventListener('abort', onOuterAbort);
    }
  }

  async #useFallback(text: string, lang: Language, outWavPath: string, reason: string, options: SynthesizeOptions): Promise<TtsEngine> {
    this.#onFallback({ lang, text, reason });
    // Nothing of the primary's may stay under the primary's name.
    await rm(outWavPath, { force: true });
    return (await this.#fallback.synthesize(text, lang, outWavPath, options)) ?? this.#fallback;
  }
}
