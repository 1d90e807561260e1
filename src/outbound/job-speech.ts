import { withinDeadline } from '../async/deadline.ts';
import type { CalendarConfig, Language } from '../config/schema.ts';
import type { CallSession } from '../ivr/call-session.ts';
import type { Logger } from '../logging/logger.ts';
import { spokenDay } from '../prompts/spoken-time.ts';
import type { OutboundCalls } from './outbound-calls.ts';

export interface TemplateRenderer {
  renderTemplate(id: string, lang: Language, values: Record<string, string>): Promise<string>;
}

/** A sentence made during the call must be ready within this time, or the callee does without it. */
const RENDER_BUDGET_MS = 1000;

/**
 * Sentences made for a job: the template prompts of the outbound flows filled
 * with the job's values ({date}: when the ticket was resolved, said as
 * "yesterday", "11月27日").
 */
export class JobSpeech {
  constructor(
    private readonly calls: OutboundCalls,
    private readonly prompts: TemplateRenderer,
    private readonly calendar: CalendarConfig,
    private readonly ticketDate: (ticketId: string) => Promise<Date | null>,
    private readonly log: Logger,
  ) {}

  async render(session: CallSession, prompt: string): Promise<string | null> {
    const { job } = this.calls.of(session);
    try {
      const day = (job.ticketId ? await withinDeadline(this.ticketDate(job.ticketId), 500, null) : null) ?? new Date(job.createdAt);
      const values = { date: spokenDay(day, session.now, session.language, this.calendar.timezone) };
      const file = await withinDeadline(this.prompts.renderTemplate(prompt, session.language, values), RENDER_BUDGET_MS, null);
      if (!file) this.log.warn({ prompt }, 'job sentence not ready in time; skipped');
      return file;
    } catch (err) {
      this.log.warn({ prompt, err: (err as Error).message }, 'job sentence failed; skipped');
      return null;
    }
  }
}
