/**
 * `npm run prompts`: renders the prompt catalogue for the enabled languages
 * with espeak-ng into prompts.renderedDir. Files that are already up to date
 * are kept; only new or changed prompts are rendered.
 */
import path from 'node:path';
import { loadConfig } from '../config/load-config.ts';
import { EspeakEngine } from './espeak-engine.ts';
import { PromptLibrary } from './prompt-library.ts';
import { promptVars } from './prompt-vars.ts';

async function main(): Promise<void> {
  // --quiet (used by the set-up): no per-prompt progress, one summary line only when something was rendered.
  const quiet = process.argv.includes('--quiet');
  const config = loadConfig();
  const engine = new EspeakEngine();
  const languages = config.languages.enabled;
  if (!quiet) process.stderr.write(
    `rendering ${path.relative(process.cwd(), config.prompts.catalogue) || config.prompts.catalogue} ` +
      `for ${languages.join(', ')} with ${engine.id} (${languages.map((l) => engine.voiceFor(l)).join(', ')}, rate ${engine.rate})\n`,
  );
  const library = await PromptLibrary.build({
    cataloguePath: config.prompts.catalogue,
    renderedDir: config.prompts.renderedDir,
    languages,
    vars: promptVars(config),
    engine,
    onProgress: (p) => {
      if (!quiet) process.stderr.write(`[${p.done}/${p.total}] ${p.lang} ${p.id} (${p.status})\n`);
    },
  });
  const { rendered, cached, removed, ms } = library.stats;
  if (quiet && rendered === 0 && removed === 0) return;
  process.stdout.write(
    `${rendered} rendered, ${cached} cached, ${removed} stale removed in ${(ms / 1000).toFixed(1)} s → ${config.prompts.renderedDir}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
