import { bargeInFilter, type KeyBuffer } from './key-buffer.ts';
import type { Key, PlayOptions, PlayResult } from './port.ts';

/** How playing one file ended. */
export type FileEnd = 'finished' | 'key' | 'stopped';

/** Plays one file until it ends, an accepted key interrupts it, or `stop` aborts. */
export type PlayOne = (file: string, accept: ((key: Key) => boolean) | null, stop?: AbortSignal) => Promise<FileEnd>;

/**
 * The semantics of CallLeg.play(), shared by every implementation: files one
 * after another; a queued key that barge-in accepts returns before the next
 * file starts; the stop signal ends it. Only playing one file is leg-specific.
 */
export async function playSequence(
  files: readonly string[],
  options: PlayOptions,
  keys: KeyBuffer,
  assertLive: () => void,
  playOne: PlayOne,
): Promise<PlayResult> {
  const accept = bargeInFilter(options.bargeIn ?? true);
  for (const file of files) {
    assertLive();
    if (options.signal?.aborted) return { kind: 'stopped' };
    if (accept && keys.has(accept)) return { kind: 'key', key: keys.take(accept)! };
    const end = await playOne(file, accept, options.signal);
    if (end === 'key' && accept) return { kind: 'key', key: keys.take(accept)! };
    if (end === 'stopped') return { kind: 'stopped' };
  }
  return { kind: 'finished' };
}
