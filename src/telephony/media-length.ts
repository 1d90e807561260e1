import { readFile } from 'node:fs/promises';
import { wavInfo } from '../audio/wav.ts';

/** Lengths of the files played so far, by path; bounded, oldest dropped first. */
const lengths = new Map<string, Promise<number | null>>();
const MAX_ENTRIES = 2000;

/**
 * How long a sound plays, from its WAV file (an absolute path without
 * extension, as Asterisk's `sound:` takes it); null when it cannot be read
 * (another format, a built-in sound). Read once per file.
 */
export function mediaLengthMs(file: string): Promise<number | null> {
  let known = lengths.get(file);
  if (!known) {
    known = file.startsWith('/')
      ? readFile(`${file}.wav`).then((b) => wavInfo(b).durationMs, () => null)
      : Promise.resolve(null);
    lengths.set(file, known);
    if (lengths.size > MAX_ENTRIES) lengths.delete(lengths.keys().next().value!);
  }
  return known;
}

/** Time allowed beyond a file's length for Asterisk to start it and report its end. */
export const PLAYBACK_MARGIN_MS = 5000;
/** The bound for a sound whose length is unknown. */
export const UNKNOWN_LENGTH_MS = 10 * 60_000;

/** The deadline of a playback of files one after another: their lengths plus the margin (or the bound if one is unknown). */
export async function playbackDeadlineMs(files: readonly string[]): Promise<number> {
  const lengths = await Promise.all(files.map(mediaLengthMs));
  if (lengths.some((l) => l === null)) return UNKNOWN_LENGTH_MS;
  return (lengths as number[]).reduce((a, b) => a + b, 0) + PLAYBACK_MARGIN_MS;
}
