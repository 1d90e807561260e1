import { createHash } from 'node:crypto';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Language } from '../config/schema.ts';
import { WavError, wavInfo, type WavInfo } from '../audio/wav.ts';
import type { TtsEngine } from './tts-engine.ts';

/**
 * The render cache: a rendered file is named by a hash of everything that
 * decides its sound, so a render is reused exactly while nothing of that
 * changed, and stale files can be told apart and removed.
 */

export type RenderStatus = 'rendered' | 'cached';

/** A rendered prompt's file name: <id>-<hash12>.wav; temp files of an unfinished render. */
const RENDERED_NAME = /^(.+)-([0-9a-f]{12})\.wav$/;
const TEMP_NAME = /^\..*\.tmp\.wav$/;
export type { WavInfo } from '../audio/wav.ts';

/** sha256 (hex) over everything that decides how a text sounds. */
export function renderHash(engine: TtsEngine, lang: Language, text: string): string {
  return createHash('sha256')
    .update(JSON.stringify([engine.id, engine.voiceFor(lang), engine.rateFor(lang), text]))
    .digest('hex');
}

export interface CachedRender {
  /** Absolute path including .wav. */
  wav: string;
  hash: string;
  durationMs: number;
  status: RenderStatus;
  /** Whose sound it is. */
  engine: TtsEngine;
}

/**
 * The file for `text` from the cache, or rendered. `fileFor(hash)` names the
 * file of a hash. The cache is looked up under the engine that would render
 * now (a fallback wrapper whose cloud engine is down names its fallback); a
 * render that a fallback made is moved to the fallback's name.
 */
export async function renderCached(
  engine: TtsEngine,
  lang: Language,
  text: string,
  fileFor: (hash: string) => string,
): Promise<CachedRender> {
  const likely = engine.current?.() ?? engine;
  const hash = renderHash(likely, lang, text);
  const wav = fileFor(hash);
  const cached = await readWavInfo(wav).catch(() => null);
  if (cached && cached.dataBytes > 0) return { wav, hash, durationMs: cached.durationMs, status: 'cached', engine: likely };

  const producer = (await engine.synthesize(text, lang, wav)) ?? engine;
  const producedHash = renderHash(producer, lang, text);
  let file = wav;
  if (producedHash !== hash) {
    file = fileFor(producedHash);
    await rename(wav, file);
  }
  const info = await readWavInfo(file);
  return { wav: file, hash: producedHash, durationMs: info.durationMs, status: 'rendered', engine: producer };
}


/** Format and length of a WAV file (prompts are small: read whole). */
export async function readWavInfo(file: string): Promise<WavInfo> {
  try {
    return wavInfo(await readFile(file));
  } catch (err) {
    if (err instanceof WavError) throw new WavError(`${file}: ${err.message}`);
    throw err;
  }
}

/** Deletes rendered files in `dir` that are not in `keep`, and temp files older than 10 minutes. */
export async function removeStale(dir: string, keep: Set<string>): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir)) {
    const full = path.join(dir, name);
    if (RENDERED_NAME.test(name) && !keep.has(name)) {
      await rm(full, { force: true });
      removed += 1;
    } else if (TEMP_NAME.test(name)) {
      const st = await stat(full).catch(() => null);
      if (st && Date.now() - st.mtimeMs > 10 * 60_000) await rm(full, { force: true });
    }
  }
  return removed;
}

/** Dynamic renders kept per language; the oldest go first. */
export const MAX_DYNAMIC_FILES = 500;

export async function pruneOldest(dir: string, keep: number): Promise<void> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.wav'));
  if (names.length <= keep) return;
  const withTimes = await Promise.all(names.map(async (n) => ({ n, t: (await stat(path.join(dir, n)).catch(() => null))?.mtimeMs ?? 0 })));
  withTimes.sort((a, b) => a.t - b.t);
  for (const { n } of withTimes.slice(0, names.length - keep)) await rm(path.join(dir, n), { force: true });
}
