import { readFile } from 'node:fs/promises';
import type { Language } from '../config/schema.ts';
import { parseWav } from '../audio/wav.ts';

/**
 * Speaking rate as SPK-01 counts it: characters a minute. Counted are Han
 * characters and digits (each a syllable: 按1 is "àn yāo"), never punctuation
 * or spaces; for English, words. Time is the voiced span of the file, from
 * the first to the last sample above -40 dBFS, so the engines' different
 * lead-in and trailing silences do not count, the pauses inside do.
 */

export interface SpokenCount {
  units: number;
  /** "chars" (Mandarin) or "words" (English). */
  unit: 'chars' | 'words';
  /** A Mandarin text with an English run: its rate says little about Mandarin. */
  mixed: boolean;
}

const HAN = /\p{Script=Han}/gu;
const DIGIT = /[0-9]/g;
const LATIN_WORD = /[A-Za-z]+(?:'[A-Za-z]+)?/g;

export function spokenUnits(text: string, lang: Language): SpokenCount {
  if (lang === 'zh-CN') {
    const han = text.match(HAN)?.length ?? 0;
    const latin = text.match(LATIN_WORD)?.length ?? 0;
    return { units: han + (text.match(DIGIT)?.length ?? 0), unit: 'chars', mixed: latin > 0 };
  }
  return { units: text.match(/[A-Za-z0-9]+(?:'[A-Za-z]+)?/g)?.length ?? 0, unit: 'words', mixed: false };
}

/** Milliseconds from the first to the last sample louder than `thresholdDb` (dBFS). */
export function voicedSpanMs(wav: Buffer, thresholdDb = -40): number {
  const { pcm, sampleRate, channels, bitsPerSample } = parseWav(wav);
  if (bitsPerSample !== 16) throw new Error(`expected 16-bit samples, got ${bitsPerSample}`);
  const limit = 32768 * 10 ** (thresholdDb / 20);
  const samples = Math.floor(pcm.length / 2);
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples; i++) {
    if (Math.abs(pcm.readInt16LE(i * 2)) > limit) {
      if (first < 0) first = i;
      last = i;
    }
  }
  if (first < 0) return 0;
  return ((last - first + 1) / channels / sampleRate) * 1000;
}

export interface RateMeasurement {
  units: number;
  unit: 'chars' | 'words';
  mixed: boolean;
  voicedMs: number;
  /** Units a minute over the voiced span. */
  perMinute: number;
}

export async function measureRate(wavFile: string, text: string, lang: Language): Promise<RateMeasurement> {
  const count = spokenUnits(text, lang);
  const voicedMs = voicedSpanMs(await readFile(wavFile));
  return { ...count, voicedMs, perMinute: voicedMs > 0 ? (count.units / voicedMs) * 60_000 : 0 };
}
