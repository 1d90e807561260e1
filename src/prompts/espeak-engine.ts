import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Language } from '../config/schema.ts';
import type { TtsEngine } from './tts-engine.ts';

// The engine interface lives in tts-engine.ts; re-exported for the callers that import it from here.
export type { SynthesizeOptions, TtsEngine } from './tts-engine.ts';

export interface EspeakEngineOptions {
  /** Words per minute for espeak-ng (-s) in every language; default DEFAULT_ESPEAK_RATES. */
  rate?: number;
  /** Words per minute per language, where one should differ from `rate`. */
  rates?: Partial<Record<Language, number>>;
  voices?: Partial<Record<Language, string>>;
  /** Voice for runs of Latin text inside Mandarin prompts ("For English, press 9."). */
  latinVoice?: string;
  espeakBinary?: string;
  soxBinary?: string;
  /** Peak level the output is normalised to, in dBFS (every prompt equally loud, SPK-02). */
  peakDb?: number;
  /** Per process run. */
  timeoutMs?: number;
}

/**
 * espeak-ng 1.51's `cmn` voice reads the internal pinyin tone numbers of every
 * character aloud in English ("您" → "nin two"); `cmn-latn-pinyin` uses the same
 * dictionary and speaks them as tones. It reads Latin letters as pinyin, so
 * English runs in a Mandarin text are spoken with `latinVoice` and joined.
 */
const DEFAULT_VOICES: Record<Language, string> = { 'zh-CN': 'cmn-latn-pinyin', 'en-US': 'en-us' };

/**
 * Measured over the catalogue with `npm run prompts -- --measure` (voiced span,
 * Han characters and digits): Mandarin at 165 runs a median and overall 190
 * characters a minute (SPK-01: 180–200; 170 gave 197); English at 170 about
 * 180 words a minute.
 */
export const DEFAULT_ESPEAK_RATES: Record<Language, number> = { 'zh-CN': 165, 'en-US': 170 };

/** A run of English inside Mandarin text: starts with a Latin letter, continues over ASCII. */
const LATIN_RUN = /[A-Za-z][A-Za-z0-9 ,.;:!?'"()\-]*/g;

export class EspeakEngine implements TtsEngine {
  readonly id = 'espeak-ng/1';
  readonly #rates: Record<Language, number>;
  readonly #voices: Record<Language, string>;
  readonly #latinVoice: string;
  readonly #espeak: string;
  readonly #sox: string;
  readonly #peakDb: number;
  readonly #timeoutMs: number;

  constructor(options: EspeakEngineOptions = {}) {
    const all = options.rate;
    this.#rates = { ...DEFAULT_ESPEAK_RATES, ...(all ? { 'zh-CN': all, 'en-US': all } : {}), ...options.rates };
    this.#voices = { ...DEFAULT_VOICES, ...options.voices };
    this.#latinVoice = options.latinVoice ?? 'en-us';
    this.#espeak = options.espeakBinary ?? 'espeak-ng';
    this.#sox = options.soxBinary ?? 'sox';
    this.#peakDb = options.peakDb ?? -3;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  voiceFor(lang: Language): string {
    return this.#voices[lang];
  }

  rateFor(lang: Language): number {
    return this.#rates[lang];
  }

  async synthesize(text: string, lang: Language, outWavPath: string): Promise<void> {
    const segments = splitScripts(text, this.voiceFor(lang), lang === 'zh-CN' ? this.#latinVoice : undefined);
    if (segments.length === 0) throw new Error(`nothing to say: ${JSON.stringify(text)}`);
    const work = await mkdtemp(path.join(os.tmpdir(), 'hotline-tts-'));
    const dir = path.dirname(outWavPath);
    const tmpOut = path.join(dir, `.${path.basename(outWavPath, '.wav')}.${process.pid}-${randomBytes(4).toString('hex')}.tmp.wav`);
    try {
      const parts: string[] = [];
      for (const [i, seg] of segments.entries()) {
        const part = path.join(work, `part${i}.wav`);
        // Text goes in on stdin: no shell, no option parsing of the text itself.
        await run(this.#espeak, ['-v', seg.voice, '-s', String(this.rateFor(lang)), '-b', '1', '-w', part, '--stdin'], {
          stdin: seg.text,
          timeoutMs: this.#timeoutMs,
        });
        const size = (await stat(part).catch(() => null))?.size ?? 0;
        if (size <= 44) {
          throw new Error(`espeak-ng (voice ${seg.voice}) produced no audio for ${JSON.stringify(seg.text)}`);
        }
        parts.push(part);
      }
      await run(
        this.#sox,
        ['-V1', ...parts, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', tmpOut, 'gain', '-n', String(this.#peakDb)],
        { timeoutMs: this.#timeoutMs },
      );
      await rename(tmpOut, outWavPath);
    } catch (err) {
      await rm(tmpOut, { force: true });
      throw err;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }
}

export interface ScriptSegment {
  text: string;
  voice: string;
}

/**
 * Splits `text` into runs for `voice` and, when `latinVoice` is given, runs of
 * English for `latinVoice`. Whitespace-only runs are dropped.
 */
export function splitScripts(text: string, voice: string, latinVoice?: string): ScriptSegment[] {
  const out: ScriptSegment[] = [];
  const push = (t: string, v: string) => {
    if (t.trim() !== '') out.push({ text: t.trim(), voice: v });
  };
  if (!latinVoice) {
    push(text, voice);
    return out;
  }
  let last = 0;
  for (const m of text.matchAll(LATIN_RUN)) {
    push(text.slice(last, m.index), voice);
    push(m[0], latinVoice);
    last = m.index + m[0].length;
  }
  push(text.slice(last), voice);
  return out;
}

interface RunOptions {
  stdin?: string;
  timeoutMs: number;
}

/** Runs a program with an argument array (no shell); rejects on a non-zero exit with its stderr. */
export function run(cmd: string, args: string[], options: RunOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 4000) stderr += chunk;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    timer.unref();
    child.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        err.code === 'ENOENT'
          ? new Error(`${cmd} is not installed or not on PATH (${err.message})`)
          : new Error(`${cmd} could not be started: ${err.message}`),
      );
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const why = timedOut ? `timed out after ${options.timeoutMs} ms` : code === null ? `killed by ${signal}` : `exited with code ${code}`;
      const detail = stderr.trim();
      reject(new Error(`${cmd} ${why}${detail ? `: ${detail}` : ''} (args: ${args.join(' ')})`));
    });
    child.stdin.on('error', () => {
      /* reported through 'close' with the exit code */
    });
    child.stdin.end(options.stdin ?? '');
  });
}
