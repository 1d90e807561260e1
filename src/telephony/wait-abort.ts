import { CallEndedError } from './port.ts';

/**
 * Resolves when `done` aborts; rejects with CallEndedError when `ended` (the
 * call) aborts first. Leaves no listener behind. Shared by the ARI leg and the
 * fake leg of the tests, so both end their waits alike.
 */
export function waitAbort(done: AbortSignal, ended: AbortSignal, legId: string): Promise<void> {
  if (done.aborted) return Promise.resolve();
  if (ended.aborted) return Promise.reject(new CallEndedError(legId));
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      done.removeEventListener('abort', onDone);
      ended.removeEventListener('abort', onEnded);
    };
    const onDone = () => { cleanup(); resolve(); };
    const onEnded = () => { cleanup(); reject(new CallEndedError(legId)); };
    done.addEventListener('abort', onDone, { once: true });
    ended.addEventListener('abort', onEnded, { once: true });
  });
}
