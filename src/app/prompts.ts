import type { LoadedConfig } from '../config/load-config.ts';
import type { Logger } from '../logging/logger.ts';
import { chooseEngine } from '../prompts/choose-engine.ts';
import { PromptLibrary } from '../prompts/prompt-library.ts';
import { promptVars } from '../prompts/prompt-vars.ts';

/**
 * Renders (or reuses) the prompt audio for the enabled languages. The engine
 * is the configured one behind the one-second fallback to espeak-ng: prompts
 * rendered during calls must never leave a caller in silence.
 */
export async function buildPrompts(config: LoadedConfig, log?: Logger): Promise<PromptLibrary> {
  const chosen = chooseEngine(config.prompts, {
    mode: 'on-demand',
    languages: config.languages.enabled,
    // The text itself is not logged: ad-hoc texts may hold a caller's details.
    onFallback: (e) => log?.warn({ lang: e.lang, chars: e.text.length, reason: e.reason }, 'cloud text-to-speech failed; espeak-ng spoke instead'),
  });
  await chosen.warmUp().catch((err: unknown) => log?.warn({ err: (err as Error).message }, 'cloud text-to-speech not ready; espeak-ng stands in'));
  const library = await PromptLibrary.build({
    cataloguePath: config.prompts.catalogue,
    renderedDir: config.prompts.renderedDir,
    languages: config.languages.enabled,
    vars: promptVars(config),
    engine: chosen.engine,
  });
  log?.info({ ...library.stats, engine: chosen.description }, 'prompts ready');
  return library;
}
