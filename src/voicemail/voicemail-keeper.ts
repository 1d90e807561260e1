import { withinDeadline } from '../async/deadline.ts';
import type { Logger } from '../logging/logger.ts';
import type { RecordingArchive } from '../telephony/port.ts';
import type { RecordingEnd, StoredAudio, Ticket, TicketDraft } from '../tickets/ticket.ts';
import type { JournalEntry, RecordingDraft, VoicemailJournal } from './journal.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';
import { WavError, wavInfo } from '../audio/wav.ts';

/**
 * Where the keeper puts what it keeps: the tickets of voicemails, or the
 * survey answers of spoken comments. Every write is idempotent (keyed by the
 * draft's id): the keeper repeats any of them after a crash or an outage.
 */
export interface RecordingSink<D extends RecordingDraft, R> {
  /** Creates the record of a draft unless it exists. */
  create(draft: D): Promise<unknown>;
  /** Completes it with the stored audio (null: none); changed false when it was complete already. */
  completeRecording(id: string, audio: StoredAudio | null, end: RecordingEnd, at: Date): Promise<{ changed: boolean; ticket: R | null }>;
  /** Drafts whose recording is not complete in the database, recorded on one of `nodes` (the reconciler's work list). */
  unfinished(nodes: readonly string[]): Promise<D[]>;
}

export interface VoicemailKeeperOptions<D extends RecordingDraft = TicketDraft, R = Ticket> {
  journal: VoicemailJournal<D>;
  tickets: RecordingSink<D, R>;
  archive: RecordingArchive;
  store: RecordingStore;
  log: Logger;
  /** Called for every completed ticket (idempotent on the receiving side: may repeat after a crash). */
  onCompleted?: (ticket: R) => Promise<void>;
  /** Longest recording, s: an unfinished ticket older than this plus `graceMs` whose recording is not live has ended. */
  maxRecordingSeconds: number;
  graceMs?: number;
  /** How long the caller may wait for the ticket row before the beep, ms (the journal has it anyway). */
  createWaitMs?: number;
  /** Pause between passes over unfinished work, ms; grows on failure up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** Full reconciliation with the database and Asterisk, ms. */
  reconcileEveryMs?: number;
  now?: () => Date;
  /**
   * This node (node.id; '' on a single node): its drafts name it, and its
   * reconciler works its own unfinished recordings. Another node's are its
   * own business while that node lives: only its Asterisk has the audio.
   */
  nodeId?: string;
  /** Nodes gone for good, whose unfinished recordings this node adopts (src/nodes/). */
  goneNodes?: () => Promise<string[]>;
}

/**
 * Makes sure no voicemail is ever lost. The voicemail node tells the keeper
 * when a recording is about to start (open) and when it ended (finish); the
 * keeper then, until it has succeeded and whatever fails on the way:
 *   1. creates the ticket (idempotent, keyed by the id in the journal entry),
 *   2. copies the audio out of Asterisk into the recording store and checks it,
 *   3. completes the ticket with the stored audio,
 *   4. removes the recording from Asterisk, tells staff, drops the journal entry.
 * The journal entry is on disk before the beep, so a crash or a database that
 * is away only delays these steps. reconcile() (at start and periodically)
 * also finds tickets in the database whose recording never finished in this
 * process and completes them from Asterisk's stored recordings.
 */
export class VoicemailKeeper<D extends RecordingDraft = TicketDraft, R = Ticket> {
  readonly #o: VoicemailKeeperOptions<D, R>;
  /** Voicemails this process is recording right now: the reconciler leaves them alone. */
  readonly #recording = new Set<string>();
  readonly #busy = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #reconcileTimer: NodeJS.Timeout | undefined;
  #retryMs: number;
  #stopped = false;
  #passes: Promise<void> = Promise.resolve();

  constructor(o: VoicemailKeeperOptions<D, R>) {
    this.#o = o;
    this.#retryMs = o.retryMs ?? 1000;
  }

  /** Voicemails not yet safe in the database and store (journal entries in work). */
  pending = 0;

  /**
   * Records the voicemail in the journal and tries to create its ticket; waits
   * at most createWaitMs for the database (the journal already has it).
   * Throws only when the journal cannot be written: then nothing would
   * protect the message, and the caller should hear so.
   */
  async open(opened: D): Promise<void> {
    const draft: D = this.#o.nodeId === undefined ? opened : { ...opened, recordedOn: this.#o.nodeId };
    await this.#o.journal.write({ draft });
    this.#recording.add(draft.id);
    const created = this.#o.tickets.create(draft).then(
      () => true,
      (err) => {
        this.#o.log.warn({ ticket: draft.id, err: (err as Error).message }, 'ticket not created yet; the journal keeps it');
        this.#schedule();
        return false;
      },
    );
    // The caller waits for the row a little, never for long: the journal already keeps the voicemail.
    await withinDeadline(created, this.#o.createWaitMs ?? 1500, false);
  }

  /** The draft of a voicemail still in the journal (a call picked up after a restart). */
  async draft(id: string): Promise<D | null> {
    const entry = await this.#o.journal.read(id).catch(() => null);
    if (entry && !entry.finished) this.#recording.add(id);
    return entry?.draft ?? null;
  }

  /** The recording ended (or never started); completes the ticket in the background. */
  async finish(id: string, end: RecordingEnd): Promise<void> {
    this.#recording.delete(id);
    const entry = await this.#o.journal.read(id);
    if (!entry) return;
    if (!entry.finished) {
      entry.finished = { at: this.#now().toISOString(), end };
      await this.#o.journal.write(entry);
    }
    void this.#process(entry);
  }

  /** Starts the periodic work and runs a first reconciliation. */
  start(): void {
    this.#stopped = false;
    void this.reconcile();
    this.#reconcileTimer = setInterval(() => void this.reconcile(), this.#o.reconcileEveryMs ?? 60_000);
    this.#reconcileTimer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#reconcileTimer);
    await this.#passes;
  }

  /**
   * One pass over everything unfinished: the journal's entries and the
   * database's tickets whose recording has not completed. A recording still
   * live in Asterisk is left to finish; one that is not live has ended (the
   * process that recorded it is gone, or the caller hung up unseen).
   */
  reconcile(): Promise<void> {
    const pass = this.#passes.then(() => this.#reconcileOnce());
    this.#passes = pass.catch(() => {});
    return pass;
  }

  async #reconcileOnce(): Promise<void> {
    let failed = false;
    let entries: JournalEntry<D>[] = [];
    try {
      entries = await this.#o.journal.list((file, err) => this.#o.log.error({ file, err: (err as Error).message }, 'unreadable voicemail journal entry'));
    } catch (err) {
      // Not a reason to end the process (start() and the timers do not wait for this pass).
      failed = true;
      this.#o.log.error({ dir: this.#o.journal.dir, err: (err as Error).message }, 'cannot read the voicemail journal; retrying');
    }
    this.pending = entries.length;
    const seen = new Set<string>();
    for (const entry of entries) {
      seen.add(entry.draft.id);
      if (this.#recording.has(entry.draft.id)) continue;
      if (!entry.finished) {
        if (!(await this.#endedElsewhere(entry.draft))) continue;
        // The process that recorded it is gone: the recording ended with it.
        entry.finished = { at: this.#now().toISOString(), end: 'restart' };
        try {
          await this.#o.journal.write(entry);
        } catch (err) {
          failed = true;
          this.#o.log.warn({ ticket: entry.draft.id, err: (err as Error).message }, 'cannot update the voicemail journal; retrying');
          continue;
        }
      }
      if (!(await this.#process(entry))) failed = true;
    }
    try {
      const me = this.#o.nodeId ?? '';
      const gone = (await this.#o.goneNodes?.()) ?? [];
      for (const draft of await this.#o.tickets.unfinished([...new Set([me, '', ...gone])])) {
        if (seen.has(draft.id) || this.#recording.has(draft.id)) continue;
        // Journaled since the listing above (a call of this process finished meanwhile): its own
        // entry, with the real end and perhaps the stored audio, is worked on and must not be
        // overwritten. One that cannot be read is replaced from the database.
        if (await this.#o.journal.read(draft.id).catch(() => null)) continue;
        if (!(await this.#endedElsewhere(draft))) continue;
        // Adopted from a node that is gone: what its Asterisk held is out of reach unless this one has it;
        // the ticket says so (end 'node-lost'), so staff call the customer back instead of waiting for audio.
        const adopted = (draft.recordedOn ?? '') !== '' && draft.recordedOn !== me;
        if (adopted) this.#o.log.error({ ticket: draft.id, recordedOn: draft.recordedOn }, 'adopting a voicemail of a node that is gone');
        else this.#o.log.warn({ ticket: draft.id }, 'completing a voicemail left unfinished by an earlier run');
        const entry: JournalEntry<D> = { draft, finished: { at: this.#now().toISOString(), end: adopted ? 'node-lost' : 'restart' } };
        await this.#o.journal.write(entry);
        if (!(await this.#process(entry))) failed = true;
      }
    } catch (err) {
      failed = true;
      this.#o.log.warn({ err: (err as Error).message }, 'cannot read unfinished tickets yet; retrying');
    }
    if (failed) this.#schedule();
  }

  /** Whether a recording not followed by this process is over: not live in Asterisk and stored, or old enough. */
  async #endedElsewhere(draft: D): Promise<boolean> {
    try {
      if (await this.#o.archive.isLive(draft.recordingName)) return false;
      if ((await this.#o.archive.list()).includes(draft.recordingName)) return true;
    } catch (err) {
      this.#o.log.warn({ err: (err as Error).message }, 'cannot ask Asterisk about a recording; retrying later');
      this.#schedule();
      return false;
    }
    const age = this.#now().getTime() - new Date(draft.createdAt).getTime();
    return age > this.#o.maxRecordingSeconds * 1000 + (this.#o.graceMs ?? 5 * 60_000);
  }

  /** Works one voicemail as far as it goes; true when it is done. */
  async #process(entry: JournalEntry<D>): Promise<boolean> {
    const id = entry.draft.id;
    if (this.#busy.has(id)) return true;
    this.#busy.add(id);
    try {
      await this.#o.tickets.create(entry.draft);
      if (!entry.finished) return true;
      if (entry.audio === undefined) {
        await this.#copyAudio(entry);
        await this.#o.journal.write(entry);
      }
      const { ticket } = await this.#o.tickets.completeRecording(id, entry.audio ?? null, entry.finished.end, new Date(entry.finished.at));
      // An unusable recording stays in Asterisk, where someone may still recover it.
      if (!entry.unusable) await this.#o.archive.remove(entry.draft.recordingName);
      if (ticket) await this.#o.onCompleted?.(ticket);
      await this.#o.journal.remove(id);
      this.#o.log.info({ ticket: id, ms: entry.audio?.ms ?? 0, end: entry.finished.end }, 'voicemail ticket complete');
      this.#retryMs = this.#o.retryMs ?? 1000;
      return true;
    } catch (err) {
      this.#o.log.warn({ ticket: id, err: (err as Error).message }, 'voicemail not complete yet; retrying');
      this.#schedule();
      return false;
    } finally {
      this.#busy.delete(id);
    }
  }

  /**
   * Sets entry.audio: the stored recording, checked and copied into the
   * store, or null when the caller left no audio (then nothing is stored) or
   * the recording is not usable (entry.unusable says why; it is kept in
   * Asterisk). Asterisk may need a moment after a hang-up to close the file,
   * so a missing recording is asked for a few times.
   */
  async #copyAudio(entry: JournalEntry<D>): Promise<void> {
    const draft = entry.draft;
    for (let attempt = 0; ; attempt++) {
      const audio = await this.#o.archive.fetch(draft.recordingName);
      if (audio) {
        try {
          // No samples: nothing to keep (and no file to leave behind in the store).
          entry.audio = wavInfo(audio).durationMs > 0 ? await this.#o.store.save(draft.id, new Date(draft.createdAt), audio) : null;
          return;
        } catch (err) {
          if (err instanceof WavError) {
            this.#o.log.error({ ticket: draft.id, err: err.message }, 'recording is not usable audio; kept in Asterisk');
            entry.audio = null;
            entry.unusable = err.message;
            return;
          }
          throw err;
        }
      }
      const live = await this.#o.archive.isLive(draft.recordingName);
      if (!live && attempt >= 2) {
        entry.audio = null;
        return;
      }
      if (attempt >= 5) throw new Error('the recording is still being made');
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  #schedule(): void {
    if (this.#stopped || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.reconcile();
    }, this.#retryMs);
    this.#timer.unref();
    this.#retryMs = Math.min(this.#retryMs * 2, this.#o.maxRetryMs ?? 30_000);
  }

  #now(): Date {
    return this.#o.now?.() ?? new Date();
  }
}
