import { abortableSleep } from '../async/abortable-sleep.ts';
import type { KeyBuffer } from './key-buffer.ts';
import { CallEndedError, type RecordOptions, type RecordResult } from './port.ts';

const HANGUP_GRACE_MS = 400;

/** How often a running recording is checked on, in case its end event was lost (a websocket reconnect). */
export const RECORDING_PROBE_MS = 5000;

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
  /**
   * Whether the system still records: asked every RECORDING_PROBE_MS, so a
   * lost end event costs the caller seconds of silence, not the whole call.
   * Errors count as "still recording" (asked again later).
   */
  isLive: () => Promise<boolean>;
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
  let lost: RecordingOutcome | null = null;
  for (;;) {
    const outcome = w.outcome() ?? lost;
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
    const gotKey = await w.keys.waitForKey(w.ended, w.legId, RECORDING_PROBE_MS, w.finished, watched);
    if (!gotKey) {
      if (!w.finished.aborted && !(await w.isLive().catch(() => true)) && !w.outcome()) {
        // Over without the event saying so: take it as ended here (the file is stored; the keeper copies it).
        lost = { state: 'done', durationSeconds: null };
      }
      continue;
    }
    const key = w.keys.take(watched)!;
    if (key === terminator) {
      terminated = true;
      continue;
    }
    // A stop key (the emergency key) goes on at once: the stored file is the keeper's business.
    await w.stop();
    return { kind: 'key', key, durationMs: Date.now() - w.startedAt };
  }
}
