import { FakeRecordingArchive } from './fake-recordings.ts';
import {
  CallEndedError,
  type Bridge,
  type CallLeg,
  type DialFailure,
  type DialOptions,
  type DialResult,
  type InboundCallContext,
  type Telephony,
  type TelephonyStats,
} from '../../src/telephony/port.ts';
import { DEFAULT_DURATION_MS, FakeLeg, matchesFile, type FakeLegInit, type FileMatcher, type LegHost } from './fake-leg.ts';

export { FakeLeg, matchesFile, type FakeLegInit, type FileMatcher, type PlayAction } from './fake-leg.ts';

/**
 * An in-memory Telephony port for unit tests, faithful to the contract in
 * src/telephony/port.ts; its legs (fake-leg.ts) share the key queue of the ARI
 * adapter. Every duration is a real setTimeout, so `vi.useFakeTimers()` and
 * `vi.advanceTimersByTimeAsync()` drive it and no test waits for real time.
 *
 * Scripting: `target(name, { answer })` sets how a dialed target behaves;
 * `newLeg()` + `simulateInbound(leg, { resumed })` bring a call in; `log`,
 * `dials` and `bridges` say what happened; stats() counts live legs, pending
 * waits (dials, playbacks, key waits, on every leg ever seen) and bridges not
 * yet destroyed.
 */

/** How a dialed target behaves: fail at once, ring until the timeout, or answer (then the test scripts the leg). */
export type DialAnswer =
  /** Rings until the ring timeout: no-answer (cause 19). */
  | 'never'
  /** Fails at once with that reason. */
  | 'busy'
  | 'unavailable'
  | 'rejected'
  | 'failed'
  /** Answers after `afterMs` of ringing (if that is within the ring time); `then` scripts the answered leg. */
  | { afterMs: number; then?: (leg: FakeLeg) => void }
  /** Fails after `afterMs` of ringing. */
  | { afterMs: number; fail: DialFailure }
  /** dial() itself throws: a fault inside the application or the adapter. */
  | { throws: string };

export interface TargetBehaviour {
  /** One behaviour for every dial, or one per successive dial of the target (the last one repeats). */
  answer: DialAnswer | readonly DialAnswer[];
}

/** One dial() call as the fake saw it. */
export interface DialRecord {
  target: string;
  /** 1 for the first dial of this target, 2 for the next... */
  attempt: number;
  options: DialOptions;
  startedAt: number;
  result: DialResult | null;
  /** The answered leg, if any. */
  leg: FakeLeg | null;
}

export interface BridgeRecord {
  id: string;
  legs: [string, string];
  /** The leg that left first, once one has. */
  endedBy: string | null;
  destroyed: boolean;
}

const CAUSES: Record<DialFailure, number | null> = {
  'no-answer': 19,
  busy: 17,
  rejected: 21,
  unavailable: 20,
  failed: 38,
  cancelled: null,
};

export interface FakeTelephonyOptions {
  /** Duration of a played file, ms (default 1000). */
  defaultDurationMs?: number;
  /** Per-file durations, first match wins. */
  durations?: Array<[FileMatcher, number]>;
}

/** The Telephony port in memory; see the file comment. */
export class FakeTelephony implements Telephony {
  /** Telephony-level events in order: dial <target>, <target> answered|<reason>, bridge <a> <b>, bridge <id> destroyed. */
  readonly log: string[] = [];
  readonly dials: DialRecord[] = [];
  readonly bridges: BridgeRecord[] = [];
  connected = true;
  private handler: ((leg: CallLeg, context: InboundCallContext) => void) | null = null;
  private readonly behaviours = new Map<string, TargetBehaviour>();
  private readonly liveLegs = new Set<FakeLeg>();
  /** Every leg ever seen: a wait left on a leg that has ended is still a leak. */
  private readonly allLegs = new Set<FakeLeg>();
  private readonly liveBridges = new Set<string>();
  private readonly durations: Array<[FileMatcher, number]>;
  private readonly defaultDurationMs: number;
  private pendingDials = 0;
  private bridgeCounter = 0;
  readonly recordings = new FakeRecordingArchive();

  constructor(options: FakeTelephonyOptions = {}) {
    this.defaultDurationMs = options.defaultDurationMs ?? DEFAULT_DURATION_MS;
    this.durations = [...(options.durations ?? [])];
  }

  // ---- the port -------------------------------------------------------------

  onInboundCall(handler: (leg: CallLeg, context: InboundCallContext) => void): void {
    this.handler = handler;
  }

  dial(target: string, options: DialOptions): Promise<DialResult> {
    const attempt = this.dials.filter((d) => d.target === target).length + 1;
    const answer = this.behaviourFor(target, attempt);
    const record: DialRecord = { target, attempt, options, startedAt: Date.now(), result: null, leg: null };
    this.dials.push(record);
    this.log.push(`dial ${target}`);
    if (typeof answer === 'object' && 'throws' in answer) {
      this.log.push(`${target} threw`);
      return Promise.reject(new Error(answer.throws));
    }
    return new Promise<DialResult>((resolve) => {
      const timers: Array<ReturnType<typeof setTimeout>> = [];
      let settled = false;
      const ringMs = () => Date.now() - record.startedAt;
      const finish = (result: DialResult) => {
        if (settled) return;
        settled = true;
        this.pendingDials--;
        timers.forEach(clearTimeout);
        options.signal?.removeEventListener('abort', onAbort);
        record.result = result;
        this.log.push(`${target} ${result.kind === 'answered' ? 'answered' : result.reason}`);
        resolve(result);
      };
      const fail = (reason: DialFailure) => finish({ kind: 'failed', reason, cause: CAUSES[reason], ringMs: ringMs() });
      const onAbort = () => fail('cancelled');
      this.pendingDials++;
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (typeof answer === 'string' && answer !== 'never') return fail(answer);
      // The ring timeout comes first on a tie: an answer must come within the ring time.
      timers.push(setTimeout(() => fail('no-answer'), options.timeoutSeconds * 1000));
      if (typeof answer !== 'object') return;
      if ('fail' in answer) {
        timers.push(setTimeout(() => fail(answer.fail), answer.afterMs));
        return;
      }
      timers.push(
        setTimeout(() => {
          // A tel: target's id must not carry the number: leg ids are logged unmasked.
          const leg = new FakeLeg({
            id: options.channelId ?? `${target.startsWith('tel:') ? 'tel' : target}#${attempt}`,
            callerNumber: options.callerId?.number ?? '',
            calledNumber: target,
          });
          for (const [name, value] of Object.entries(options.variables ?? {})) leg.vars.set(name, value);
          this.adopt(leg);
          leg.answeredByFarEnd();
          record.leg = leg;
          answer.then?.(leg);
          finish({ kind: 'answered', leg, ringMs: ringMs() });
        }, answer.afterMs),
      );
    });
  }

  async bridge(a: CallLeg, b: CallLeg): Promise<Bridge> {
    for (const leg of [a, b]) if (leg.ended.aborted) throw new CallEndedError(leg.id, 'cannot bridge a leg that has ended');
    const id = `bridge-${++this.bridgeCounter}`;
    const record: BridgeRecord = { id, legs: [a.id, b.id], endedBy: null, destroyed: false };
    this.bridges.push(record);
    this.liveBridges.add(id);
    this.log.push(`bridge ${a.id} ${b.id}`);
    if (a instanceof FakeLeg) a.note(`bridged ${b.id}`);
    if (b instanceof FakeLeg) b.note(`bridged ${a.id}`);
    const ended = firstEnded([a, b]).then((legId) => {
      record.endedBy = legId;
      return legId;
    });
    const destroy = async () => {
      if (!this.liveBridges.delete(id)) return;
      record.destroyed = true;
      await Promise.allSettled([a.hangup(), b.hangup()]);
      this.log.push(`bridge ${id} destroyed`);
    };
    return { id, ended, destroy };
  }

  async exists(channelId: string): Promise<boolean> {
    return [...this.liveLegs].some((l) => l.id === channelId);
  }

  stats(): TelephonyStats {
    let waits = this.pendingDials;
    for (const leg of this.allLegs) waits += leg.pendingWaits;
    return { connected: this.connected, legs: this.liveLegs.size, pendingWaits: waits, bridges: this.liveBridges.size };
  }

  // ---- test scripting -------------------------------------------------------

  /** Sets how a target behaves when dialed (default: 'never'). */
  target(name: string, behaviour: TargetBehaviour): this {
    this.behaviours.set(name, behaviour);
    return this;
  }

  /** Plays files matching `matcher` for `ms` on every leg of this telephony. */
  setDuration(matcher: FileMatcher, ms: number): this {
    this.durations.unshift([matcher, ms]);
    return this;
  }

  /** A caller leg belonging to this telephony (script it, then simulateInbound). */
  newLeg(init: FakeLegInit = {}): FakeLeg {
    const leg = new FakeLeg(init);
    leg.attach(this.host);
    return leg;
  }

  /** A call reaches the application: the registered handler gets the leg. */
  simulateInbound(leg: FakeLeg = this.newLeg(), context: Partial<InboundCallContext> = {}): FakeLeg {
    if (!this.handler) throw new Error('FakeTelephony: no inbound handler registered');
    this.adopt(leg);
    this.handler(leg, { resumed: context.resumed ?? false, ...(context.placed ? { placed: true } : {}) });
    return leg;
  }

  /** Legs answered for a target, in order. */
  answeredLegs(target: string): FakeLeg[] {
    return this.dials.filter((d) => d.target === target && d.leg).map((d) => d.leg!);
  }

  dialsTo(target: string): DialRecord[] {
    return this.dials.filter((d) => d.target === target);
  }

  // ---- internals ------------------------------------------------------------

  private readonly host: LegHost = {
    durationOf: (file) => {
      for (const [matcher, ms] of this.durations) if (matchesFile(matcher, file)) return ms;
      return this.defaultDurationMs;
    },
    legEnded: (leg) => {
      this.liveLegs.delete(leg);
    },
    recordingLive: (name) => {
      this.recordings.live.add(name);
    },
    recordingStored: (name, audio) => {
      this.recordings.live.delete(name);
      this.recordings.stored.set(name, audio);
    },
  };

  private adopt(leg: FakeLeg): void {
    leg.attach(this.host);
    this.allLegs.add(leg);
    if (!leg.ended.aborted) this.liveLegs.add(leg);
  }

  private behaviourFor(target: string, attempt: number): DialAnswer {
    const answer = this.behaviours.get(target)?.answer ?? 'never';
    if (typeof answer === 'string' || !Array.isArray(answer)) return answer as DialAnswer;
    const list = answer as readonly DialAnswer[];
    if (list.length === 0) return 'never';
    return list[Math.min(attempt, list.length) - 1]!;
  }
}

/** Resolves with the id of the first leg that ends (listeners removed once it does). */
function firstEnded(legs: CallLeg[]): Promise<string> {
  const gone = legs.find((l) => l.ended.aborted);
  if (gone) return Promise.resolve(gone.id);
  return new Promise((resolve) => {
    const handlers = legs.map((leg) => () => {
      legs.forEach((l, i) => l.ended.removeEventListener('abort', handlers[i]!));
      resolve(leg.id);
    });
    legs.forEach((l, i) => l.ended.addEventListener('abort', handlers[i]!, { once: true }));
  });
}
