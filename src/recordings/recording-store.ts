import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { writeFileDurably } from '../fs/durable-write.ts';
import { speechMs } from '../audio/speech.ts';
import { parseWav, WavError } from '../audio/wav.ts';
import type { Queryable } from '../db/transaction.ts';

/** Audio once it is safe in the store. */
export interface StoredAudio {
  /** Relative to the store's root. */
  path: string;
  bytes: number;
  ms: number;
  sha256: string;
  /** How much of it is speech, ms (audio/speech.ts); absent in journal entries of older versions. */
  speechMs?: number;
}

/** Which of these stored paths a ticket or an answer still points at (the store does not know those tables). */
export type ReferencedPaths = (paths: string[]) => Promise<Set<string>>;

/**
 * The project's own store of voicemail and survey audio: a folder
 * (configurable) with one WAV per ticket under <yyyy>/<mm>/<ticket id>.wav,
 * and, when a database is given, the same audio in the shared database
 * (table recording_audio), so that every node serves every recording,
 * whichever node recorded it. The folder is read first; the database when
 * the file is not on this node. Whether a recording may be played at all is
 * its ticket's business (a deleted one's path is cleared there).
 *
 * A file is written to a temporary name, flushed to disk, renamed into place
 * and read back before it counts as stored, so a crash leaves either the
 * whole file or none; the database row is written after it (idempotent).
 */
export class RecordingStore {
  constructor(
    readonly root: string,
    private readonly db?: Queryable,
    private readonly nodeId = '',
  ) {}

  /**
   * Checks and stores the audio of a ticket; returns what the ticket records.
   * Storing the same audio again is harmless. Throws WavError for audio that
   * is not a plausible recording (the caller keeps the original then).
   */
  async save(ticketId: string, createdAt: Date, audio: Buffer): Promise<StoredAudio> {
    const { pcm, ...info } = parseWav(audio);
    if (info.format !== 1) throw new WavError(`not PCM (format ${info.format})`);
    if (info.channels !== 1 || info.bitsPerSample !== 16) throw new WavError(`unexpected format: ${info.channels} channels, ${info.bitsPerSample} bit`);
    const sha256 = createHash('sha256').update(audio).digest('hex');
    const rel = path.posix.join(String(createdAt.getUTCFullYear()), String(createdAt.getUTCMonth() + 1).padStart(2, '0'), `${ticketId}.wav`);
    const file = this.resolve(rel);
    const existing = await readFile(file).catch(() => null);
    if (!existing || createHash('sha256').update(existing).digest('hex') !== sha256) {
      await writeFileDurably(file, audio);
      const back = await readFile(file);
      if (createHash('sha256').update(back).digest('hex') !== sha256) throw new Error(`recording ${rel} reads back differently`);
    }
    await this.db?.query(
      `insert into recording_audio (path, audio, sha256, stored_by) values ($1, $2, $3, $4)
       on conflict (path) do update set audio = excluded.audio, sha256 = excluded.sha256, stored_at = now(), stored_by = excluded.stored_by
       where recording_audio.sha256 <> excluded.sha256`,
      [rel, audio, sha256, this.nodeId],
    );
    const ms = Math.round((pcm.length / (info.sampleRate * 2)) * 1000);
    return { path: rel, bytes: audio.length, ms, sha256, speechMs: speechMs(pcm, info.sampleRate) };
  }

  /** Absolute path of a stored file; refuses paths that leave the store. */
  resolve(rel: string): string {
    const abs = path.resolve(this.root, rel);
    if (!abs.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`path outside the recording store: ${rel}`);
    return abs;
  }

  /**
   * Size in bytes, from this node's folder or else the database; null when
   * neither has it. The folder first: recordings stored before the database
   * kept audio (or whose row is not written yet) are in the folder only.
   */
  async size(rel: string): Promise<number | null> {
    const local = await this.#localSize(rel);
    if (local !== null || !this.db) return local;
    const { rows } = await this.db.query<{ n: number }>('select octet_length(audio)::int as n from recording_audio where path = $1', [rel]);
    return rows[0]?.n ?? null;
  }

  /** Bytes start..end (inclusive) of a stored recording, or all of it: from this node's folder when it has it, else the database. */
  async open(rel: string, range?: { start: number; end: number }): Promise<Readable> {
    if (!this.db || (await this.#localSize(rel)) !== null) return createReadStream(this.resolve(rel), range ?? {});
    const { rows } = range
      ? await this.db.query<{ audio: Buffer }>('select substring(audio from $2 for $3) as audio from recording_audio where path = $1', [rel, range.start + 1, range.end - range.start + 1])
      : await this.db.query<{ audio: Buffer }>('select audio from recording_audio where path = $1', [rel]);
    const audio = rows[0]?.audio;
    if (!audio) throw new Error(`recording ${rel} is gone`);
    return Readable.from([audio]);
  }

  /** Deletes a recording everywhere it is kept; `db` lets the caller do it inside its transaction. */
  async remove(rel: string, db: Queryable | undefined = this.db): Promise<void> {
    await rm(this.resolve(rel), { force: true });
    await db?.query('delete from recording_audio where path = $1', [rel]);
  }

  /**
   * Brings this node's folder and the database into line, for the files the
   * database has no row of: one that a ticket or an answer still points at is
   * copied into the database (recordings stored before the database kept
   * audio, so that every node can serve them); one that nothing points at any
   * more was deleted through another node (retention) and its copy here goes
   * too. Files younger than `before` are left alone: a save writes the file
   * before its row, and its ticket after both.
   */
  async sweepLocal(before: Date, referenced: ReferencedPaths): Promise<{ removed: number; shared: number }> {
    const done = { removed: 0, shared: 0 };
    if (!this.db) return done;
    const entries = await readdir(this.root, { recursive: true, withFileTypes: true }).catch(() => []);
    const files = entries.filter((d) => d.isFile() && d.name.endsWith('.wav')).map((d) => path.relative(this.root, path.join(d.parentPath, d.name)).split(path.sep).join('/'));
    for (let i = 0; i < files.length; i += 500) {
      const batch = files.slice(i, i + 500);
      const { rows } = await this.db.query<{ path: string }>('select path from recording_audio where path = any($1)', [batch]);
      const kept = new Set(rows.map((r) => r.path));
      const pointed = await referenced(batch.filter((rel) => !kept.has(rel)));
      for (const rel of batch) {
        if (kept.has(rel)) continue;
        const info = await stat(this.resolve(rel)).catch(() => null);
        if (!info || info.mtime >= before) continue;
        if (pointed.has(rel)) {
          const audio = await readFile(this.resolve(rel));
          await this.db.query(
            'insert into recording_audio (path, audio, sha256, stored_by) values ($1, $2, $3, $4) on conflict (path) do nothing',
            [rel, audio, createHash('sha256').update(audio).digest('hex'), this.nodeId],
          );
          done.shared++;
        } else {
          await rm(this.resolve(rel), { force: true });
          done.removed++;
        }
      }
    }
    return done;
  }

  async #localSize(rel: string): Promise<number | null> {
    try {
      return (await stat(this.resolve(rel))).size;
    } catch {
      return null;
    }
  }
}
