import path from 'node:path';
import type { Language } from '../config/schema.ts';
import { writeFileDurably } from '../fs/durable-write.ts';
import type { TtsEngine } from './tts-engine.ts';

/** What a build wrote: renderedDir/manifest.json, one entry per prompt and language. */
export const MANIFEST_FILE = 'manifest.json';

export interface ManifestEntry {
  /** Relative to renderedDir. */
  file: string;
  hash: string;
  durationMs: number;
  text: string;
  /** What made the sound: differs from the manifest's engine after a fallback. */
  engine: string;
  voice: string;
  rate: number;
}

export interface Manifest {
  version: 2;
  builtAt: string;
  /** The configured engine. */
  engine: string;
  rates: Partial<Record<Language, number>>;
  voices: Partial<Record<Language, string>>;
  catalogue: string;
  prompts: Partial<Record<Language, Record<string, ManifestEntry>>>;
}

/** Writes renderedDir/manifest.json (durably) for the prompts of a build. */
export async function writeManifest(
  renderedDir: string,
  engine: TtsEngine,
  catalogue: string,
  languages: readonly Language[],
  entries: ReadonlyArray<{ lang: Language; id: string; prompt: { wav: string; hash: string; durationMs: number; text: string; engine: TtsEngine } }>,
): Promise<void> {
  const manifest: Manifest = {
    version: 2,
    builtAt: new Date().toISOString(),
    engine: engine.id,
    rates: Object.fromEntries(languages.map((l) => [l, engine.rateFor(l)])),
    voices: Object.fromEntries(languages.map((l) => [l, engine.voiceFor(l)])),
    catalogue,
    prompts: {},
  };
  for (const { lang, id, prompt: p } of entries) {
    (manifest.prompts[lang] ??= {})[id] = {
      file: path.relative(renderedDir, p.wav),
      hash: p.hash,
      durationMs: p.durationMs,
      text: p.text,
      engine: p.engine.id,
      voice: p.engine.voiceFor(lang),
      rate: p.engine.rateFor(lang),
    };
  }
  await writeFileDurably(path.join(renderedDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}
