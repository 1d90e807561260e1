import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileDurably } from '../fs/durable-write.ts';
import { speechMs } from '../audio/speech.ts';
import { parseWav, WavError } from '../audio/wav.ts';


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

/**
 * The project's own store of voicemail audio: a folder (configurable) with one
 * WAV per ticket under <yyyy>/<mm>/<ticket id>.wav. A file is written to a
 * temporary name, flushed to disk, renamed into place and read back before it
 * counts as stored, so a crash leaves either the whole file or none.
 */
export class RecordingStore {
  constructor(readonly root: string) {}

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
    const ms = Math.round((pcm.length / (info.sampleRate * 2)) * 1000);
    return { path: rel, bytes: audio.length, ms, sha256, speechMs: speechMs(pcm, info.sampleRate) };
  }

  /** Absolute path of a stored file; refuses paths that leave the store. */
  resolve(rel: string): string {
    const abs = path.resolve(this.root, rel);
    if (!abs.startsWith(path.resolve(this.root) + path.sep)) throw new Error(`path outside the recording store: ${rel}`);
    return abs;
  }

  async size(rel: string): Promise<number | null> {
    try {
      return (await stat(this.resolve(rel))).size;
    } catch {
      return null;
    }
  }

  /** Reads bytes start..end (inclusive) of a stored file. */
  stream(rel: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.resolve(rel), range ?? {});
  }
}
