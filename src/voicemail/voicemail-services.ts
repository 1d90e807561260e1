import { withinDeadline } from '../async/deadline.ts';
import type { CalendarConfig, Language } from '../config/schema.ts';
import type { Logger } from '../logging/logger.ts';
import type { RecordingArchive } from '../telephony/port.ts';
import type { RecordingEnd, TicketDraft } from '../tickets/ticket.ts';
import type { VoicemailKeeper } from './voicemail-keeper.ts';

/** What the voicemail node needs beyond the call: the keeper of tickets and audio, and the calendar. */
export interface VoicemailServices {
  /** Working days and the time zone, for the ticket's deadline and how it is said. */
  calendar: CalendarConfig;
  /** Makes the ticket safe (journal, then database) before the beep; throws when nothing can keep it. */
  open(draft: TicketDraft): Promise<void>;
  /** The recording ended; the ticket is completed in the background. */
  finish(id: string, end: RecordingEnd): Promise<void>;
  /** The draft of a voicemail in progress (after a restart), or null. */
  draft(id: string): Promise<TicketDraft | null>;
  /** Whether the recording is still being made (after a restart). */
  isLive(recordingName: string): Promise<boolean>;
  /** Renders a template prompt with call values; null when it cannot be made in time. */
  renderTemplate(id: string, lang: Language, values: Record<string, string>): Promise<string | null>;
}

export interface TemplateRenderer {
  renderTemplate(id: string, lang: Language, values: Record<string, string>): Promise<string>;
}

/** A sentence rendered during the call must be ready within this time, or the caller does without it. */
const RENDER_BUDGET_MS = 1000;

/** The voicemail node's services from the keeper, Asterisk's recordings and the prompt library. */
export function voicemailServices(keeper: VoicemailKeeper, archive: RecordingArchive, prompts: TemplateRenderer, calendar: CalendarConfig, log: Logger): VoicemailServices {
  return {
    calendar,
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
      try {
        const file = await withinDeadline(prompts.renderTemplate(id, lang, values), RENDER_BUDGET_MS, null);
        if (file === null) log.warn({ prompt: id }, 'dynamic prompt not ready in time; skipped');
        return file;
      } catch (err) {
        log.warn({ prompt: id, err: (err as Error).message }, 'dynamic prompt failed; skipped');
        return null;
      }
    },
  };
}
