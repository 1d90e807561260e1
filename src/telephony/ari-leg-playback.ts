import { waitAbort } from './wait-abort.ts';
import { randomUUID } from 'node:crypto';
import { abortableSleep } from '../async/abortable-sleep.ts';
import type { Logger } from '../logging/logger.ts';
import { isGoneError, type AriCall, type AriConnection } from './ari-connection.ts';
import { ariCalls } from './ari-rest.ts';
import type { PlaybackRegistry } from './ari-leg.ts';
import type { KeyBuffer } from './key-buffer.ts';
import { playbackDeadlineMs } from './media-length.ts';
import { CallEndedError, type Key } from './port.ts';

/**
 * The reason given to the aborts of a call's internal signals: nobody reads it,
 * and abort() without one builds a DOMException with a stack trace every time
 * (several per prompt, ~1.5 % of the application's time per call).
 */
export const SIGNALLED = 'signalled';

/** What playing and recording on a leg need of it (AriLeg hands it over). */
export interface LegInternals {
  id: string;
  ari: AriConnection;
  registry: PlaybackRegistry;
  keys: KeyBuffer;
  ended: AbortSignal;
  log: Logger;
  /** Runs a channel operation; "channel not found" becomes CallEndedError. */
  op<T>(what: string, call: AriCall): Promise<T>;
  markEnded(): void;
  /** Stops a playback a key cut short once the next prompt's play is sent, or at the next turn of the event loop. */
  stopAfterNextPlay(playbackId: string): void;
  /** Sends those stops now (the next prompt's play has just been sent). */
  sendDeferredStops(): void;
}

/**
 * Plays files, one after another, as one Asterisk playback (one request, one
 * id) until the last ends, an accepted key interrupts, or `stop` aborts. The
 * end is Asterisk's PlaybackFinished event; should that event be lost, the
 * playback's deadline (the files' lengths plus a margin) ends the wait, so a
 * caller is never held in silence by a missing event.
 */
export async function playOnLeg(
leg: LegInternals,
files: readonly string[],
accept: ((key: Key) => boolean) | null,
stop?: AbortSignal,
): Promise<'finished' | 'key' | 'stopped'> {
  const playbackId = randomUUID();
  // Asterisk splits the media parameter at commas (our files are paths without commas).
  const media = files.map((file) => (file.includes(':') && !file.startsWith('/') ? file : `sound:${file}`)).join(',');
  const finished = new AbortController();
  let finalState: string | null = null;
  leg.registry.expect(playbackId, (state) => {
    finalState = state;
    finished.abort(SIGNALLED);
  });
  const overdueTimer = new AbortController();
  const overdue = overdueTimer.signal;
  let timer: NodeJS.Timeout | undefined;
  const wake = AbortSignal.any([finished.signal, overdue, ...(stop ? [stop] : [])]);
  try {
    // Sent before anything is awaited: the stop of a prompt a key cut short follows it at once
    // (see stopAfterNextPlay), and the first play of a file does not wait for its length to be read.
    const queued = leg.op('play', ariCalls.play(leg.id, media, playbackId));
    queued.catch(() => undefined); // awaited below; not unhandled while the lengths are read
    leg.sendDeferredStops();
    const deadlineMs = await playbackDeadlineMs(files);
    timer = setTimeout(() => overdueTimer.abort(SIGNALLED), deadlineMs);
    await queued;
    // Wait for the end of the playback, a key (with barge-in), a stop, the deadline or the end of the call.
    for (;;) {
      if (finished.signal.aborted) {
        if (finalState === 'failed') await playbackFailed(leg, files.join(', '));
        return 'finished';
      }
      if (stop?.aborted) {
        await stopPlayback(leg, playbackId);
        return 'stopped';
      }
      if (overdue.aborted) {
        leg.log.warn({ files, deadlineMs }, 'no end of playback reported in time; going on');
        await stopPlayback(leg, playbackId);
        return 'finished';
      }
      if (accept) {
        const gotKey = await leg.keys.waitForKey(leg.ended, leg.id, deadlineMs, wake, accept);
        if (gotKey) {
          // Stopped right after the key's answer (the next prompt) is sent, not before: Asterisk
          // queues that play behind this playback and starts it the moment the stop ends this one,
          // where a play arriving after the stop waits for the channel's next media frame (20 ms,
          // measured: key → next prompt p50 20 ms against 3 ms). Nothing waits for the stop, and
          // it cannot reach the next prompt: it names this playback.
          leg.stopAfterNextPlay(playbackId);
          return 'key';
        }
      } else {
        await waitAbort(wake, leg.ended, leg.id);
      }
    }
  } finally {
    clearTimeout(timer);
    leg.registry.forget(playbackId);
  }
}

/**
 * A playback fails when its channel hangs up (Asterisk reports that before the
 * channel's own end events) or when the file cannot be played. The first is
 * the end of the call; the second is a fault worth an error.
 */
async function playbackFailed(leg: LegInternals, file: string): Promise<void> {
  // The failure comes before the channel's end events and the channel may
  // still be there for a moment while it hangs up: give its end a second.
  await abortableSleep(1000, leg.ended);
  if (leg.ended.aborted) throw new CallEndedError(leg.id, 'hung up during playback');
  let state: string | undefined;
  try {
    state = (await leg.ari.request<{ state?: string }>('get channel', ariCalls.getChannel(leg.id))).state;
  } catch (err) {
    if (isGoneError(err)) {
      leg.markEnded();
      throw new CallEndedError(leg.id, 'hung up during playback');
    }
    throw err;
  }
  if (leg.ended.aborted) throw new CallEndedError(leg.id, 'hung up during playback');
  throw new Error(`Asterisk could not play ${file} (channel ${state ?? 'unknown'})`);
}

export async function stopPlayback(leg: LegInternals, playbackId: string): Promise<void> {
  try {
    await leg.ari.request('stop playback', ariCalls.stopPlayback(playbackId));
  } catch (err) {
    if (!isGoneError(err)) leg.log.warn({ err: (err as Error).message }, 'could not stop a playback');
  }
}
