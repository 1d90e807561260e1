import { abortableSleep } from './abortable-sleep.ts';
import type { KeyBuffer } from './key-buffer.ts';
import { CallEndedError, type RecordOptions, type RecordResult } from './port.ts';

const HANGUP_GRACE_MS = 400;

/** How the telephony system reported the end of a recording. */
export interface RecordingOutcome {
  state: 'done' | 'failed';
  /** Length in seconds when the system tells it. */
  durationSeconds: number | null;
  cause?: string;
}

export interface RecordingWait {
  keys: KeyBuffer;
  ended: AbortSignal;
  legId: string;
  options: RecordOptions;
  /** Aborted when the outcome is known. */
  finished: AbortSignal;
  outcome: () => RecordingOutcome | null;
  /** Stops the recording, keeping what was recorded. */
  stop: () => Promise<void>;
  startedAt: number;
}

/**
 * Waits for a running recording to end and says why (shared by the ARI leg and
 * the fake). The terminator ends it in the telephony system itself; a stop key
 * makes us stop it. A hang-up rejects with CallEndedError.
 */
export async function awaitRecording(w: RecordingWait): Promise<RecordResult> {
  const terminator = w.options.terminator ?? '#';
  const stopKeys = w.options.stopKeys ?? [];
  const watched = (k: string) => k === terminator || stopKeys.includes(k);
  let terminated = false;
  for (;;) {
    const outcome = w.outcome();
    if (outcome) {
      if (outcome.state === 'failed') throw new Error(`recording ${w.options.name} failed: ${outcome.cause ?? 'unknown cause'}`);
      if (!terminated) {
        // Asterisk reports the end of a recording cut by a hang-up before the
        // channel's own end: give that a moment, so a hang-up is not taken for silence.
        await abortableSleep(HANGUP_GRACE_MS, w.ended);
        if (w.ended.aborted) throw new CallEndedError(w.legId, 'hung up while recording');
      }
      const durationMs = outcome.durationSeconds === null ? Date.now() - w.startedAt : Math.round(outcome.durationSeconds * 1000);
      const reason = terminated ? 'terminator' : durationMs >= (w.options.maxSeconds - 1) * 1000 ? 'max-duration' : 'silence';
      return { kind: 'finished', reason, durationMs };
    }
    const gotKey = await w.keys.waitForKey(w.ended, w.legId, 60 * 60_000, w.finished, watched);
    if (!gotKey) continue;
    const key = w.keys.take(watched)!;
    if (key === terminator) {
      terminated = true;
      continue;
    }
    await w.stop();
    // The stored file is complete once the system reports the end; do not wait long for it.
    await abortableSleep(2000, AbortSignal.any([w.finished, w.ended]));
    return { kind: 'key', key, durationMs: Date.now() - w.startedAt };
  }
}
