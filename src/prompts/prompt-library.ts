import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Language } from '../config/schema.ts';
import { CALL_PLACEHOLDERS, fillPlaceholders, isTemplate, loadCatalogue, type PromptVars } from './catalogue.ts';
import { writeManifest } from './manifest.ts';
import { MAX_DYNAMIC_FILES, pruneOldest, removeStale, renderCached, renderHash, type RenderStatus } from './render-cache.ts';
import { Semaphore } from './semaphore.ts';
import type { TtsEngine } from './tts-engine.ts';

/**
 * Rendered prompts: the catalogue turned into 8 kHz WAV files, one per prompt
 * and language, in `renderedDir/<lang>/<id>-<hash12>.wav`. The hash covers
 * engine, voice, rate and the final text, so a build re-renders exactly the
 * prompts whose sound would change and reuses every other file. A prompt that
 * a fallback engine rendered (the cloud was down) is filed under the fallback's
 * hash, so the next build asks the cloud engine again.
 */

export type { RenderStatus } from './render-cache.ts';

export interface RenderProgress {
  /** Prompts finished so far, this one included. */
  done: number;
  total: number;
  lang: Language;
  id: string;
  status: RenderStatus;
  /** Absolute path of the WAV file. */
  file: string;
  /** Id of the engine whose sound it is (another than the configured one after a fallback). */
  engine: string;
}

export interface BuildOptions {
  cataloguePath: string;
  renderedDir: string;
  languages: readonly Language[];
  /** Placeholder values per language (see promptVars() in prompt-vars.ts). */
  vars: PromptVars;
  engine: TtsEngine;
  onProgress?: (p: RenderProgress) => void;
  /** Renders at a time; default 2 (the machines have 2 cores). */
  concurrency?: number;
}

export interface BuildStats {
  rendered: number;
  cached: number;
  /** Of those rendered or cached, the prompts whose sound came from a fallback engine. */
  fallbacks: number;
  /** Stale files deleted (older renders of a prompt, prompts no longer in the catalogue). */
  removed: number;
  ms: number;
}

export interface RenderedPrompt {
  /** Absolute path including .wav. */
  wav: string;
  hash: string;
  text: string;
  durationMs: number;
  engine: TtsEngine;
}

export class PromptLibrary {
  readonly #renderedDir: string;
  readonly #engine: TtsEngine;
  readonly #vars: PromptVars;
  readonly #prompts: Map<string, RenderedPrompt>;
  readonly #ids: string[];
  readonly #limit: Semaphore;
  readonly #dynamic = new Map<string, Promise<string>>();
  /** Templates (prompts with call placeholders), static placeholders filled; key lang/id. */
  readonly #templates: Map<string, string>;
  #dynamicRenders = 0;
  /** What the build did. */
  readonly stats: BuildStats;

  private constructor(init: {
    renderedDir: string;
    engine: TtsEngine;
    vars: PromptVars;
    prompts: Map<string, RenderedPrompt>;
    ids: string[];
    limit: Semaphore;
    stats: BuildStats;
    templates: Map<string, string>;
  }) {
    this.#templates = init.templates;
    this.#renderedDir = init.renderedDir;
    this.#engine = init.engine;
    this.#vars = init.vars;
    this.#prompts = init.prompts;
    this.#ids = init.ids;
    this.#limit = init.limit;
    this.stats = init.stats;
  }

  /**
   * Loads the catalogue, renders what is missing or changed for `languages`,
   * removes stale files and writes `renderedDir/manifest.json`.
   */
  static async build(options: BuildOptions): Promise<PromptLibrary> {
    const started = Date.now();
    const { engine, vars } = options;
    const renderedDir = path.resolve(options.renderedDir);
    const languages = [...new Set(options.languages)];
    if (languages.length === 0) throw new Error('PromptLibrary.build: no languages given');
    const catalogue = loadCatalogue(path.resolve(options.cataloguePath));
    const limit = new Semaphore(Math.max(1, options.concurrency ?? 2));

    // Fill every placeholder before rendering anything: a missing value is a
    // configuration error and should not leave a half-built folder behind.
    interface Job { lang: Language; id: string; text: string }
    const jobs: Job[] = [];
    const templates = new Map<string, string>();
    const problems: string[] = [];
    // Call placeholders stay in a template's text until the call fills them.
    const keepCallPlaceholders = Object.fromEntries(
      CALL_PLACEHOLDERS.map((name) => [name, Object.fromEntries(languages.map((l) => [l, `{${name}}`]))]),
    ) as PromptVars;
    for (const lang of languages) {
      for (const id of catalogue.ids()) {
        try {
          if (isTemplate(catalogue.text(id, lang))) {
            templates.set(key(id, lang), fillPlaceholders(catalogue.text(id, lang), lang, { ...vars, ...keepCallPlaceholders }, `${catalogue.source}: prompt "${id}"`));
            continue;
          }
          const text = fillPlaceholders(catalogue.text(id, lang), lang, vars, `${catalogue.source}: prompt "${id}"`);
          jobs.push({ lang, id, text });
        } catch (err) {
          problems.push((err as Error).message);
        }
      }
    }
    if (problems.length > 0) throw new Error(`cannot render prompts:\n  - ${problems.join('\n  - ')}`);
    for (const lang of languages) await mkdir(path.join(renderedDir, lang), { recursive: true });

    const prompts = new Map<string, RenderedPrompt>();
    const stats: BuildStats = { rendered: 0, cached: 0, fallbacks: 0, removed: 0, ms: 0 };
    let done = 0;
    let failure: Error | undefined;
    await Promise.all(
      jobs.map((job) =>
        limit.use(async () => {
          if (failure) return;
          try {
            const dir = path.join(renderedDir, job.lang);
            const r = await renderCached(engine, job.lang, job.text, (hash) => path.join(dir, `${job.id}-${hash.slice(0, 12)}.wav`));
            prompts.set(key(job.id, job.lang), { wav: r.wav, hash: r.hash, text: job.text, durationMs: r.durationMs, engine: r.engine });
            stats[r.status] += 1;
            if (r.engine.id !== engine.id) stats.fallbacks += 1;
            done += 1;
            options.onProgress?.({ done, total: jobs.length, lang: job.lang, id: job.id, status: r.status, file: r.wav, engine: r.engine.id });
          } catch (err) {
            failure ??= new Error(`rendering ${job.lang} prompt "${job.id}" failed: ${(err as Error).message}`, { cause: err });
          }
        }),
      ),
    );
    if (failure) throw failure;

    for (const lang of languages) {
      const keep = new Set(jobs.filter((j) => j.lang === lang).map((j) => path.basename(prompts.get(key(j.id, j.lang))!.wav)));
      stats.removed += await removeStale(path.join(renderedDir, lang), keep);
    }

    await writeManifest(renderedDir, engine, catalogue.source, languages, jobs.flatMap((j) => {
      const p = prompts.get(key(j.id, j.lang));
      return p ? [{ lang: j.lang, id: j.id, prompt: p }] : [];
    }));

    stats.ms = Date.now() - started;
    return new PromptLibrary({ renderedDir, engine, vars, prompts, ids: catalogue.ids(), limit, stats, templates });
  }

  /** Ids of the rendered prompts of the catalogue, in file order (templates not included). */
  ids(): string[] {
    const templates = new Set(this.templateIds());
    return this.#ids.filter((id) => !templates.has(id));
  }

  /** Ids of the templates: prompts rendered during a call with its values (see renderTemplate). */
  templateIds(): string[] {
    const ids = new Set([...this.#templates.keys()].map((k) => k.slice(k.indexOf('\u0000') + 1)));
    return this.#ids.filter((id) => ids.has(id));
  }

  /** Rendered, or a template that renders during the call. */
  has(id: string, lang: Language): boolean {
    return this.#prompts.has(key(id, lang)) || this.#templates.has(key(id, lang));
  }

  /**
   * Renders a template prompt with the call's values (e.g. { deadline: "11月25日上午10点" })
   * and returns the file without ".wav".
   */
  async renderTemplate(id: string, lang: Language, values: Record<string, string>): Promise<string> {
    const template = this.#templates.get(key(id, lang));
    if (template === undefined) throw new Error(`prompt "${id}" is not a template in ${lang}`);
    const text = template.replace(/\{([^{}]*)\}/g, (whole, name: string) => values[name] ?? whole);
    return this.renderText(text, lang);
  }

  /** Absolute path without ".wav": what `sound:` URIs and Playback() take. */
  file(id: string, lang: Language): string {
    return stripWav(this.#get(id, lang).wav);
  }

  /** The text as rendered (placeholders filled). */
  text(id: string, lang: Language): string {
    return this.#get(id, lang).text;
  }

  durationMs(id: string, lang: Language): number {
    return this.#get(id, lang).durationMs;
  }

  /** Id of the engine whose sound the prompt is (e.g. espeak-ng after a cloud fallback). */
  renderedBy(id: string, lang: Language): string {
    return this.#get(id, lang).engine.id;
  }

  /** Files (without .wav) of the digit prompts for each digit of `number`; other characters are skipped. */
  digitFiles(number: string, lang: Language): string[] {
    return [...number].filter((c) => c >= '0' && c <= '9').map((d) => this.file(`digit-${d}`, lang));
  }

  /**
   * Renders ad-hoc text (placeholders allowed) into `renderedDir/<lang>/dynamic/`,
   * cached by the same hash as the catalogue. Returns the path without ".wav".
   * A caller is waiting: give the library a FallbackEngine, so a slow cloud
   * engine costs at most its timeout before espeak-ng speaks.
   */
  async renderText(text: string, lang: Language): Promise<string> {
    const filled = fillPlaceholders(text, lang, this.#vars, 'dynamic text');
    const dir = path.join(this.#renderedDir, lang, 'dynamic');
    const fileFor = (hash: string) => path.join(dir, `${hash.slice(0, 16)}.wav`);
    // Same text at the same time: one render (keyed by the configured engine's file).
    const wanted = fileFor(renderHash(this.#engine, lang, filled));
    let pending = this.#dynamic.get(wanted);
    if (!pending) {
      pending = this.#limit
        .use(async () => {
          await mkdir(dir, { recursive: true });
          const rendered = await renderCached(this.#engine, lang, filled, fileFor);
          if (rendered.status === 'rendered' && ++this.#dynamicRenders % 50 === 0) await pruneOldest(dir, MAX_DYNAMIC_FILES);
          return stripWav(rendered.wav);
        })
        .finally(() => this.#dynamic.delete(wanted));
      this.#dynamic.set(wanted, pending);
    }
    return pending;
  }

  #get(id: string, lang: Language): RenderedPrompt {
    const p = this.#prompts.get(key(id, lang));
    if (!p) throw new Error(`prompt "${id}" is not rendered for ${lang}`);
    return p;
  }
}

function key(id: string, lang: Language): string {
  return `${lang}\u0000${id}`;
}

function stripWav(file: string): string {
  return file.endsWith('.wav') ? file.slice(0, -4) : file;
}

