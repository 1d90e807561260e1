import type { Language } from '../config/schema.ts';
import type { VoicemailServices } from '../ivr/nodes/index.ts';
import type { Logger } from '../logging/logger.ts';
import type { RecordingArchive } from '../telephony/port.ts';
import type { VoicemailKeeper } from './voicemail-keeper.ts';

export interface TemplateRenderer {
  renderTemplate(id: string, lang: Language, values: Record<string, string>): Promise<string>;
}

/** A sentence rendered during the call must be ready within this time, or the caller does without it. */
const RENDER_BUDGET_MS = 1000;

/** The voicemail node's services from the keeper, Asterisk's recordings and the prompt library. */
export function voicemailServices(keeper: VoicemailKeeper, archive: RecordingArchive, prompts: TemplateRenderer, log: Logger): VoicemailServices {
  return {
    open: (draft) => keeper.open(draft),
    finish: (id, end) => keeper.finish(id, end),
    draft: (id) => keeper.draft(id),
    isLive: async (name) => {
      try {
        return await archive.isLive(name);
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'cannot ask Asterisk whether a recording is live');
        return false;
      }
    },
    renderTemplate: async (id, lang, values) => {
      const rendering = prompts.renderTemplate(id, lang, values);
      // Late failures after the budget ran out are logged by nobody, and must not crash the process.
      rendering.catch(() => {});
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), RENDER_BUDGET_MS);
      });
      try {
        const file = await Promise.race([rendering, timeout]).finally(() => clearTimeout(timer));
        if (file === null) log.warn({ prompt: id }, 'dynamic prompt not ready in time; skipped');
        return file;
      } catch (err) {
        log.warn({ prompt: id, err: (err as Error).message }, 'dynamic prompt failed; skipped');
        return null;
      }
    },
  };
}
