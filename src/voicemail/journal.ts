import { readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurably } from '../fs/durable-write.ts';
import type { RecordingEnd, StoredAudio, TicketDraft } from '../tickets/ticket.ts';

/** What the journal and the keeper need of a recording's draft: the voicemail's ticket draft, or a survey comment's. */
export interface RecordingDraft {
  id: string;
  /** The recording's name in Asterisk. */
  recordingName: string;
  /** When it was opened (the store files audio by month). */
  createdAt: string;
  /** The node whose Asterisk records it; '' or absent on a single node. */
  recordedOn?: string;
}

/**
 * The voicemail journal: one small JSON file per voicemail in progress, on the
 * local disk, written (and flushed) before the caller hears the beep. It is
 * what makes a voicemail survive a database that is away and a process that
 * dies: the keeper works through it until the ticket and its audio are in the
 * database and the store, and only then deletes the entry.
 */
export interface JournalEntry<D extends RecordingDraft = TicketDraft> {
  draft: D;
  /** Set when the recording ended (or was found ended by the reconciler). */
  finished?: { at: string; end: RecordingEnd };
  /** Set once the audio is safe in the recording store (null: there was none, or it was unusable). */
  audio?: StoredAudio | null;
  /** Why the recording could not be used (not WAV audio); it is then left in Asterisk. */
  unusable?: string;
}

export class VoicemailJournal<D extends RecordingDraft = TicketDraft> {
  constructor(readonly dir: string) {}

  /** Durable before it returns: the entry is written before the beep and must survive a power cut. */
  async write(entry: JournalEntry<D>): Promise<void> {
    await writeFileDurably(this.#file(entry.draft.id), JSON.stringify(entry));
  }

  async read(id: string): Promise<JournalEntry<D> | null> {
    try {
      return JSON.parse(await readFile(this.#file(id), 'utf8')) as JournalEntry<D>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    await rm(this.#file(id), { force: true });
  }

  /** Every entry; a file that cannot be read (cut short by a crash) is skipped and reported. */
  async list(onBad: (file: string, err: unknown) => void = () => {}): Promise<JournalEntry<D>[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const entries: JournalEntry<D>[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      try {
        entries.push(JSON.parse(await readFile(path.join(this.dir, name), 'utf8')) as JournalEntry<D>);
      } catch (err) {
        // Removed since readdir (the keeper finished it meanwhile): nothing wrong with it.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        onBad(name, err);
      }
    }
    return entries;
  }

  #file(id: string): string {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new Error(`not a ticket id: ${id}`);
    return path.join(this.dir, `${id}.json`);
  }
}
