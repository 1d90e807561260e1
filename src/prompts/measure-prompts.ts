import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Language } from '../config/schema.ts';
import type { PromptVars } from './catalogue.ts';
import { PromptLibrary } from './prompt-library.ts';
import { measureRate, type RateMeasurement } from './speech-rate.ts';
import type { TtsEngine } from './tts-engine.ts';

/**
 * `npm run prompts -- --measure`: renders the whole catalogue into an empty
 * folder (cold) and again (warm, everything cached), then measures the
 * speaking rate of every rendered prompt. The real renderedDir is not touched.
 */

/** SPK-01: about 180–200 characters a minute. */
export const SPK01 = { min: 180, max: 200, target: 190 } as const;
/** Shorter prompts (a digit, 谢谢) have no meaningful rate: leading and trailing syllables dominate. */
const MIN_UNITS = 5;

export interface MeasureOptions {
  cataloguePath: string;
  languages: readonly Language[];
  vars: PromptVars;
  engine: TtsEngine;
}

export interface PromptRate extends RateMeasurement {
  id: string;
  lang: Language;
  engine: string;
  text: string;
}

export interface MeasureReport {
  coldMs: number;
  warmMs: number;
  prompts: number;
  rates: PromptRate[];
}

export async function measurePrompts(o: MeasureOptions): Promise<MeasureReport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hotline-measure-'));
  try {
    const build = () =>
      PromptLibrary.build({ cataloguePath: o.cataloguePath, renderedDir: dir, languages: o.languages, vars: o.vars, engine: o.engine });
    const cold = await build();
    const warm = await build();
    if (warm.stats.rendered !== 0) throw new Error(`the warm build rendered ${warm.stats.rendered} prompts; the cache is not working`);
    const rates: PromptRate[] = [];
    for (const lang of o.languages) {
      for (const id of cold.ids()) {
        const text = cold.text(id, lang);
        rates.push({ id, lang, text, engine: cold.renderedBy(id, lang), ...(await measureRate(`${cold.file(id, lang)}.wav`, text, lang)) });
      }
    }
    return { coldMs: cold.stats.ms, warmMs: warm.stats.ms, prompts: cold.stats.rendered, rates };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** As printed: 200.4 a minute is 200, within the range. */
function withinSpk01(perMinute: number): boolean {
  const shown = Math.round(perMinute);
  return shown >= SPK01.min && shown <= SPK01.max;
}

export interface RateSummary {
  measured: number;
  min: number;
  median: number;
  max: number;
  /** All units over all voiced time. */
  overall: number;
  inRange: number;
}

/** Over the prompts long enough to have a rate, English runs in Mandarin left out. */
export function summarize(rates: readonly PromptRate[]): RateSummary | null {
  const usable = rates.filter((r) => r.units >= MIN_UNITS && !r.mixed && r.voicedMs > 0);
  if (usable.length === 0) return null;
  const sorted = usable.map((r) => r.perMinute).sort((a, b) => a - b);
  const units = usable.reduce((n, r) => n + r.units, 0);
  const ms = usable.reduce((n, r) => n + r.voicedMs, 0);
  return {
    measured: usable.length,
    min: sorted[0]!,
    median: sorted[Math.floor(sorted.length / 2)]!,
    max: sorted.at(-1)!,
    overall: (units / ms) * 60_000,
    inRange: usable.filter((r) => withinSpk01(r.perMinute)).length,
  };
}

export function formatMeasureReport(report: MeasureReport, engine: TtsEngine, engineDescription: string): string {
  const out: string[] = [`engine: ${engineDescription}`, ''];
  const zh = report.rates.filter((r) => r.lang === 'zh-CN');
  if (zh.length > 0) {
    out.push('Mandarin (zh-CN), characters a minute over the voiced span (SPK-01: 180–200):');
    for (const r of zh) {
      const rate = r.units < MIN_UNITS ? '   (short)' : r.mixed ? `${r.perMinute.toFixed(0).padStart(4)} (has English)` : r.perMinute.toFixed(0).padStart(4);
      const flag = r.units >= MIN_UNITS && !r.mixed && !withinSpk01(r.perMinute) ? '  outside 180–200' : '';
      const by = r.engine === engine.id ? '' : `  [${r.engine}]`;
      out.push(`  ${r.id.padEnd(24)} ${String(r.units).padStart(3)} chars ${(r.voicedMs / 1000).toFixed(2).padStart(6)} s  ${rate}${flag}${by}`);
    }
    const s = summarize(zh);
    if (s) {
      out.push(
        `  summary over ${s.measured} prompts of ≥ ${MIN_UNITS} chars (English runs left out): min ${s.min.toFixed(0)}, median ${s.median.toFixed(0)}, ` +
          `max ${s.max.toFixed(0)}, overall ${s.overall.toFixed(0)} chars/min; ${s.inRange} of ${s.measured} within 180–200`,
      );
      const rate = engine.rateFor('zh-CN');
      out.push(`  rate ${rate} → for ${SPK01.target} chars/min set about ${Number(((rate * SPK01.target) / s.overall).toPrecision(3))} (rate scales speed about linearly)`);
    }
    out.push('');
  }
  const en = summarize(report.rates.filter((r) => r.lang === 'en-US'));
  if (en) {
    out.push(`English (en-US), words a minute: min ${en.min.toFixed(0)}, median ${en.median.toFixed(0)}, max ${en.max.toFixed(0)}, overall ${en.overall.toFixed(0)}`, '');
  }
  out.push(`catalogue render, ${report.prompts} prompts: cold (empty cache) ${(report.coldMs / 1000).toFixed(1)} s, warm (all cached) ${(report.warmMs / 1000).toFixed(2)} s`);
  return `${out.join('\n')}\n`;
}
