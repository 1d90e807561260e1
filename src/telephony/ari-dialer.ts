import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.ts';
import { maskTarget } from '../logging/mask.ts';
import type { AriConnection } from './ari-connection.ts';
import { dialString } from './dial-string.ts';
import { dialFailureFromCause } from './hangup-causes.ts';
import type { CallLeg, DialFailure, DialOptions, DialResult } from './port.ts';
import { ariCalls } from './ari-rest.ts';

interface PendingDial {
  target: string;
  startedAt: number;
  timeoutSeconds: number;
  /** Last DIALSTATUS Asterisk reported for this channel (Dial event). */
  dialStatus: string | null;
  settle: (result: DialResult) => void;
}

/** Arguments our originates put on Stasis(): who the channel is. */
export const DIALED = 'dialed';
export const RESUMABLE = 'resumable';

/**
 * Calls the application places (originate): each waits, keyed by its channel
 * id, for the channel to enter the application (answered) or to be destroyed
 * (failed, with the reason from DIALSTATUS or the hang-up cause). A failsafe
 * after the ring time covers a lost event.
 */
export class AriDialer {
  private readonly pending = new Map<string, PendingDial>();

  constructor(
    private readonly ari: AriConnection,
    private readonly app: string,
    private readonly log: Logger,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  has(channelId: string): boolean {
    return this.pending.has(channelId);
  }

  async dial(target: string, o: DialOptions): Promise<DialResult> {
    const channelId = o.channelId ?? randomUUID();
    const startedAt = Date.now();
    const log = this.log.child({ target: maskTarget(target), channel: channelId });
    let settle!: (r: DialResult) => void;
    const result = new Promise<DialResult>((resolve) => { settle = resolve; });
    let settled = false;
    const finish = (r: DialResult) => {
      if (settled) return;
      settled = true;
      this.pending.delete(channelId);
      clearTimeout(failsafe);
      o.signal?.removeEventListener('abort', onAbort);
      settle(r);
    };
    this.pending.set(channelId, { target, startedAt, timeoutSeconds: o.timeoutSeconds, dialStatus: null, settle: finish });
    const cancel = () => {
      void this.ari.request('cancel dial', ariCalls.hangup(channelId)).catch(() => {});
    };
    const onAbort = () => {
      cancel();
      finish({ kind: 'failed', reason: 'cancelled', cause: null, ringMs: Date.now() - startedAt });
    };
    // Asterisk ends the attempt at `timeout`; this only guards against a lost event.
    const failsafe = setTimeout(() => {
      log.warn('no answer and no hang-up event after the ring time; cancelling');
      cancel();
      finish({ kind: 'failed', reason: 'no-answer', cause: null, ringMs: Date.now() - startedAt });
    }, (o.timeoutSeconds + 15) * 1000);
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    if (!settled) {
      const callerId = o.callerId ? `"${o.callerId.name ?? ''}" <${o.callerId.number}>` : undefined;
      try {
        await this.ari.request('originate', (c) =>
          c.channels.originate({
            endpoint: dialString(target),
            app: this.app,
            appArgs: o.resumable ? RESUMABLE : DIALED,
            channelId,
            timeout: o.timeoutSeconds,
            ...(callerId ? { callerId } : {}),
            ...(o.variables ? { variables: { variables: o.variables } } : {}),
          }),
        );
        log.debug('dialing');
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not place the call');
        finish({ kind: 'failed', reason: 'unavailable', cause: null, ringMs: Date.now() - startedAt });
      }
    }
    return result;
  }

  /** The dialed channel entered the application: answered. False when no dial waits for it. */
  answered(channelId: string, leg: () => CallLeg): boolean {
    const pending = this.pending.get(channelId);
    if (!pending) return false;
    pending.settle({ kind: 'answered', leg: leg(), ringMs: Date.now() - pending.startedAt });
    return true;
  }

  /** Asterisk's DIALSTATUS for a dialed channel (Dial event). */
  dialStatus(channelId: string, status: string): void {
    const pending = this.pending.get(channelId);
    if (pending) pending.dialStatus = status;
  }

  /** The dialed channel was destroyed before it was answered. */
  destroyed(channelId: string, cause: number | null): void {
    const pending = this.pending.get(channelId);
    if (!pending) return;
    const ringMs = Date.now() - pending.startedAt;
    pending.settle({ kind: 'failed', reason: dialFailure(pending, cause, ringMs), cause, ringMs });
  }

  /** Every waiting dial ends as cancelled (the adapter closes). */
  cancelAll(): void {
    for (const dial of [...this.pending.values()]) {
      dial.settle({ kind: 'failed', reason: 'cancelled', cause: null, ringMs: Date.now() - dial.startedAt });
    }
  }
}

/**
 * Why a dial failed: Asterisk's DIALSTATUS when it sent one, else the hang-up
 * cause; an originate that simply ran out of ring time ends with cause 0, so a
 * failure at the ring timeout counts as no answer.
 */
function dialFailure(pending: PendingDial, cause: number | null, ringMs: number): DialFailure {
  switch (pending.dialStatus) {
    case 'NOANSWER':
      return 'no-answer';
    case 'BUSY':
      return 'busy';
    case 'CHANUNAVAIL':
    case 'CONGESTION':
      return 'unavailable';
    default:
      break;
  }
  const reason = dialFailureFromCause(cause);
  if (reason === 'failed' && ringMs >= pending.timeoutSeconds * 1000 - 250) return 'no-answer';
  return reason;
}
