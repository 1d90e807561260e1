import { isGoneError, type AriConnection } from './ari-connection.ts';
import { SIGNALLED, type LegInternals } from './ari-leg-playback.ts';
import { ariCalls } from './ari-rest.ts';
import type { RecordOptions, RecordResult } from './port.ts';
import { awaitRecording, type RecordingOutcome } from './record-wait.ts';

/** CallLeg.record() on ARI: starts the recording and waits for its end (record-wait.ts). */
export async function recordOnLeg(leg: LegInternals, o: RecordOptions): Promise<RecordResult> {
  const finished = new AbortController();
  let outcome: RecordingOutcome | null = null;
  leg.registry.expectRecording(o.name, (rec) => {
    outcome = rec;
    finished.abort(SIGNALLED);
  });
  leg.keys.clear();
  try {
    await leg.op(
      'record',
      ariCalls.record(leg.id, {
        name: o.name,
        format: 'wav',
        maxDurationSeconds: o.maxSeconds,
        maxSilenceSeconds: o.maxSilenceSeconds,
        ifExists: 'fail',
        beep: o.beep,
        terminateOn: o.terminator ?? '#',
      }),
    );
    return await awaitRecording({
      keys: leg.keys,
      ended: leg.ended,
      legId: leg.id,
      options: o,
      finished: finished.signal,
      outcome: () => outcome,
      stop: () => stopRecording(leg.ari, o.name),
      isLive: () => recordingIsLive(leg.ari, o.name),
      startedAt: Date.now(),
    });
  } finally {
    leg.registry.forgetRecording(o.name);
    leg.keys.clear();
  }
}

async function recordingIsLive(ari: AriConnection, name: string): Promise<boolean> {
  try {
    await ari.request('live recording', (c) => c.recordings.getLive({ recordingName: name }));
    return true;
  } catch (err) {
    if (isGoneError(err)) return false;
    throw err;
  }
}

async function stopRecording(ari: AriConnection, name: string): Promise<void> {
  try {
    await ari.request('stop recording', (c) => c.recordings.stop({ recordingName: name }));
  } catch (err) {
    if (!isGoneError(err)) throw err;
  }
}
