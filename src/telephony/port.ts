/**
 * The telephony port: everything call flows may do to a call. The ARI adapter
 * (ari-telephony.ts) is the only implementation that talks to Asterisk; unit
 * tests use the fake in test/support/fake-telephony.ts. The same contract
 * tests run against both.
 *
 * Conventions every implementation keeps:
 * - A key pressed at any time is queued on its leg; play() and collect() take
 *   keys from that queue, so a key pressed between two prompts is never lost.
 * - Once the far end hangs up, `ended` is aborted and every pending or later
 *   operation rejects with CallEndedError: a normal end of a call, not a fault.
 * - No wait is unbounded: each one races its event against a timeout and the
 *   end of the call, and removes its listeners when it settles.
 */

/** A DTMF key: 0-9, *, #. */
export type Key = string;

/** Raised when an operation meets a call that has ended (hang-up, channel gone). */
export class CallEndedError extends Error {
  constructor(readonly legId: string, detail = 'call ended') {
    super(`${detail} (${legId})`);
    this.name = 'CallEndedError';
  }
}

export function isCallEnded(err: unknown): err is CallEndedError {
  return err instanceof CallEndedError;
}

export interface PlayOptions {
  /**
   * Barge-in: true (default) stops at the first key and returns it; a list
   * stops only at one of those keys (other keys stay queued); false plays to
   * the end and leaves every key queued for the next collect().
   */
  bargeIn?: boolean | readonly Key[];
  /** Stops the prompts at once; play() then resolves { kind: 'stopped' }. */
  signal?: AbortSignal;
}

export type PlayResult = { kind: 'finished' } | { kind: 'key'; key: Key } | { kind: 'stopped' };

export interface CollectOptions {
  /** Most keys to take; default 1. */
  maxKeys?: number;
  /** Time allowed for the first key, in ms. */
  firstKeyTimeoutMs: number;
  /** Time allowed between keys, in ms; default 3000. */
  interKeyTimeoutMs?: number;
  /** Key that ends the entry early and is not included (e.g. '#'). */
  terminator?: Key;
  /** Also end the wait when the caller starts speaking (needs voice detection). */
  endOnVoice?: boolean;
  /** Ends the wait early (result: timeout with the keys so far). */
  signal?: AbortSignal;
}

export type CollectResult =
  | { kind: 'keys'; keys: string }
  | { kind: 'timeout'; keys: string }
  | { kind: 'voice' };

export interface RecordOptions {
  /** Name of the recording in the telephony system; unique (an existing name fails). */
  name: string;
  /** Longest recording, in seconds. */
  maxSeconds: number;
  /** Silence that ends the recording, in seconds. */
  maxSilenceSeconds: number;
  /** Play a beep before recording starts. */
  beep: boolean;
  /** Key that ends the recording (kept, not part of the audio); default '#'. */
  terminator?: Key;
  /** Keys that stop the recording (kept) and are returned, e.g. the emergency key. */
  stopKeys?: readonly Key[];
}

export type RecordEnd = 'silence' | 'max-duration' | 'terminator';

/**
 * How a recording ended while the caller was still there. A hang-up during the
 * recording rejects with CallEndedError instead; the telephony system keeps
 * the audio recorded up to then either way.
 */
export type RecordResult =
  | { kind: 'finished'; reason: RecordEnd; durationMs: number | null }
  | { kind: 'key'; key: Key; durationMs: number | null };

/**
 * Recordings the telephony system has stored (Asterisk's stored recordings),
 * by name. The application copies each out into its own store and then removes it.
 */
export interface RecordingArchive {
  /** The audio file (WAV); null when there is no stored recording of that name. */
  fetch(name: string): Promise<Buffer | null>;
  /** True while the recording is still being made. */
  isLive(name: string): Promise<boolean>;
  /** Removes the stored recording; one already gone is not an error. */
  remove(name: string): Promise<void>;
  /** Names of every stored recording. */
  list(): Promise<string[]>;
}

/** Something running on a leg that can be stopped (ringback tone). Idempotent. */
export interface Stoppable {
  stop(): Promise<void>;
}

/** One call leg under the application's control: a caller or a dialed phone. */
export interface CallLeg {
  /** Asterisk channel id (stable across application restarts). */
  readonly id: string;
  /** Caller id number as received; a full phone number: never log it unmasked. */
  readonly callerNumber: string;
  /** The number the caller dialed (the hotline number on inbound calls). */
  readonly calledNumber: string;
  /** SIP Call-ID of the leg, for correlating with the far end's logs. */
  readonly sipCallId: string;
  /** Aborted when the far end hangs up or the channel disappears. */
  readonly ended: AbortSignal;
  /** True once speech was heard on the leg after enableVoiceDetection(). */
  readonly voiceHeard: boolean;

  answer(): Promise<void>;
  /** Plays audio files (absolute paths without extension) one after another. */
  play(files: readonly string[], options?: PlayOptions): Promise<PlayResult>;
  /** Waits for keys; queued keys are taken first. */
  collect(options: CollectOptions): Promise<CollectResult>;
  /** Drops keys queued so far (e.g. before asking a new question). */
  clearKeys(): void;
  /** Puts a key back at the head of the queue (type-ahead into the next menu). */
  unreadKey(key: Key): void;
  /**
   * Records what the caller says (after a beep) until silence, the time limit,
   * the terminator or a stop key; queued keys are cleared first and keys
   * pressed while recording are dropped at the end.
   */
  record(options: RecordOptions): Promise<RecordResult>;
  /** Plays ringback tone until stopped or the leg ends. */
  startRingback(): Promise<Stoppable>;
  /** Starts talk detection; `voiceHeard` turns true on the first speech. */
  enableVoiceDetection(): Promise<void>;
  /** Stores a value on the channel; it survives an application restart. */
  setVar(name: string, value: string): Promise<void>;
  /** Reads a channel value; null when unset. */
  getVar(name: string): Promise<string | null>;
  /** Hangs up; a leg that is already gone is not an error. */
  hangup(): Promise<void>;
  /**
   * Leaves the application and continues in the dialplan's fallback, which
   * rings the duty line itself: the last resort when the application cannot
   * go on with a call, so that no caller is left in silence.
   */
  handOffToDialplan(): Promise<void>;
}

export type DialFailure = 'no-answer' | 'busy' | 'rejected' | 'unavailable' | 'cancelled' | 'failed';

export type DialResult =
  | { kind: 'answered'; leg: CallLeg; ringMs: number }
  | { kind: 'failed'; reason: DialFailure; cause: number | null; ringMs: number };

export interface DialOptions {
  /** Caller id shown on the called phone. */
  callerId?: { name?: string; number: string };
  /** Ring time before giving up, in seconds. */
  timeoutSeconds: number;
  /** Aborting cancels the call if it has not been answered yet. */
  signal?: AbortSignal;
  /**
   * The answered leg is a call of its own (a callback to a customer): after an
   * application restart it is picked up again like an inbound call instead of
   * being hung up as a leftover.
   */
  resumable?: boolean;
  /**
   * The id the call's channel gets (default: a new one). A caller that wrote
   * the id down before dialing can tell after a crash whether the call exists.
   */
  channelId?: string;
  /** Channel variables set on the call from the start (they survive a restart). */
  variables?: Record<string, string>;
}

/** Two legs talking; ends when either leaves. */
export interface Bridge {
  readonly id: string;
  /** Resolves with the id of the leg that left first (or null if torn down). */
  readonly ended: Promise<string | null>;
  /** Hangs up the legs still in it and removes the bridge. Idempotent. */
  destroy(): Promise<void>;
}

export interface InboundCallContext {
  /**
   * True when the call was already in the application before this process
   * (re)connected: it must be picked up again, not left in silence.
   */
  resumed: boolean;
  /**
   * True for a call the hotline placed itself (a callback, dialled resumable)
   * that is picked up after a restart: a customer, not someone calling the
   * hotline; a feature must claim it, the inbound flow never runs on it.
   */
  placed?: boolean;
}

export interface Telephony {
  /** Registers the handler of calls that reach the application. */
  onInboundCall(handler: (leg: CallLeg, context: InboundCallContext) => void): void;
  /** Calls a target (see dial-string.ts) and resolves when it answers or fails. */
  dial(target: string, options: DialOptions): Promise<DialResult>;
  /** Connects two answered legs. */
  bridge(a: CallLeg, b: CallLeg): Promise<Bridge>;
  /** Whether a channel exists (ringing or talking), by its id; false when the telephony system says it does not. */
  exists(channelId: string): Promise<boolean>;
  /** Counts of live state, for health checks and leak tests. */
  stats(): TelephonyStats;
  /** Recordings made with CallLeg.record(). */
  readonly recordings: RecordingArchive;
}

export interface TelephonyStats {
  connected: boolean;
  legs: number;
  pendingWaits: number;
  bridges: number;
}
