import type { CalendarConfig, Language } from '../../src/config/schema.ts';
import type { VoicemailServices } from '../../src/voicemail/voicemail-services.ts';
import type { RecordingEnd, TicketDraft } from '../../src/tickets/ticket.ts';
import type { FakeRecordingArchive } from './fake-recordings.ts';

/**
 * The voicemail node's services in memory, for flow tests: what was opened and
 * finished, in order. Dynamic prompts come back as /prompts/<lang>/<id>?<values>.
 */
export class MemoryVoicemail implements VoicemailServices {
  readonly opened: TicketDraft[] = [];
  readonly finished: Array<{ id: string; end: RecordingEnd }> = [];
  /** open() throws while set (a journal that cannot be written). */
  failOpen: Error | null = null;

  constructor(
    private readonly archive: FakeRecordingArchive,
    readonly calendar: CalendarConfig,
  ) {}

  async open(draft: TicketDraft): Promise<void> {
    if (this.failOpen) throw this.failOpen;
    this.opened.push(draft);
  }

  async finish(id: string, end: RecordingEnd): Promise<void> {
    this.finished.push({ id, end });
  }

  async draft(id: string): Promise<TicketDraft | null> {
    return this.opened.find((d) => d.id === id) ?? null;
  }

  isLive(name: string): Promise<boolean> {
    return this.archive.isLive(name);
  }

  async renderTemplate(id: string, lang: Language, values: Record<string, string>): Promise<string | null> {
    return `/prompts/${lang}/${id}?${new URLSearchParams(values).toString()}`;
  }

  /** The only voicemail opened so far. */
  only(): TicketDraft {
    if (this.opened.length !== 1) throw new Error(`expected one voicemail, got ${this.opened.length}`);
    return this.opened[0]!;
  }
}
