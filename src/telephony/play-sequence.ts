import { bargeInFilter, type KeyBuffer } from './key-buffer.ts';
import type { Key, PlayOptions, PlayResult } from './port.ts';

/** How playing files ended. */
export type FileEnd = 'finished' | 'key' | 'stopped';

/** Plays one file until it ends, an accepted key interrupts it, or `stop` aborts. */
export type PlayOne = (file: string, accept: ((key: Key) => boolean) | null, stop?: AbortSignal) => Promise<FileEnd>;

/** Plays a list of files until the last ends, an accepted key interrupts, or `stop` aborts. */
export type PlayList = (files: readonly string[], accept: ((key: Key) => boolean) | null, stop?: AbortSignal) => Promise<FileEnd>;

/**
 * The semantics of CallLeg.play(), shared by every implementation: files one
 * after another; a queued key that barge-in accepts returns before anything
 * plays; a key during any file ends the whole list; the stop signal ends it.
 * Only playing the list is leg-specific: Asterisk plays it as one playback
 * (one request), a fake leg file by file (oneAfterAnother).
 */
export async function playSequence(
  files: readonly string[],
  options: PlayOptions,
  keys: KeyBuffer,
  assertLive: () => void,
  playList: PlayList,
): Promise<PlayResult> {
  if (files.length === 0) return { kind: 'finished' };
  const accept = bargeInFilter(options.bargeIn ?? true);
  assertLive();
  if (options.signal?.aborted) return { kind: 'stopped' };
  if (accept && keys.has(accept)) return { kind: 'key', key: keys.take(accept)! };
  const end = await playList(files, accept, options.signal);
  if (end === 'key' && accept) return { kind: 'key', key: keys.take(accept)! };
  if (end === 'stopped') return { kind: 'stopped' };
  return { kind: 'finished' };
}

/** A list played one file at a time, checking for a key and the stop signal between files. */
export function oneAfterAnother(keys: KeyBuffer, playOne: PlayOne): PlayList {
  return async (files, accept, stop) => {
    for (const file of files) {
      if (stop?.aborted) return 'stopped';
      if (accept && keys.has(accept)) return 'key';
      const end = await playOne(file, accept, stop);
      if (end !== 'finished') return end;
    }
    return 'finished';
  };
}
