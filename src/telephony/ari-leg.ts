import { randomUUID } from 'node:crypto';
import { playSequence } from './play-sequence.ts';
import { playOnLeg, SIGNALLED, stopPlayback, type LegInternals } from './ari-leg-playback.ts';
import { recordOnLeg } from './ari-leg-record.ts';
import type { Logger } from '../logging/logger.ts';
import { isGoneError, type AriCall, type AriConnection } from './ari-connection.ts';
import { ariCalls } from './ari-rest.ts';
import { TALK_DETECTION } from './ari-resync.ts';
import { collectKeys, KeyBuffer } from './key-buffer.ts';
import type { RecordingOutcome } from './record-wait.ts';
import {
  CallEndedError,
  type CallLeg,
  type CollectOptions,
  type CollectResult,
  type Key,
  type PlayOptions,
  type PlayResult,
  type RecordOptions,
  type RecordResult,
  type Stoppable,
} from './port.ts';

/** What the adapter tracks about playbacks so events can find their waiter. */
export interface PlaybackRegistry {
  /** Registers a waiter before the playback starts (no race with a fast finish). */
  /** `state` is Asterisk's final playback state ('done', 'failed', …; null when unknown). */
  expect(playbackId: string, onFinished: (state: string | null) => void): void;
  forget(playbackId: string): void;
  /** Same for recordings, by name: `state` is 'done' or 'failed'; duration in seconds when Asterisk gives one. */
  expectRecording(name: string, onFinished: (rec: RecordingOutcome) => void): void;
  forgetRecording(name: string): void;
}

export interface AriLegInit {
  id: string;
  callerNumber: string;
  calledNumber: string;
  sipCallId: string;
  /** The channel was already answered when it reached the application (dialplan Answer()). */
  up: boolean;
  /** The dialplan switched talk detection on before Stasis(). */
  talkDetected?: boolean;
}

/** Ringback in the caller's country (China); Asterisk generates it from indications.conf. */
const RINGBACK = 'tone:ring;tonezone=cn';

/** A channel in our Stasis application, driven through ARI. */
export class AriLeg implements CallLeg {
  readonly id: string;
  readonly callerNumber: string;
  readonly calledNumber: string;
  readonly sipCallId: string;
  private readonly abort = new AbortController();
  private readonly voice = new AbortController();
  private readonly keys = new KeyBuffer();
  private up: boolean;
  private talkDetected: boolean;
  /**
   * Values this process set. Asterisk applies a set asynchronously (queued on
   * the channel) but answers a get at once, so a read right after a write would
   * miss it; what we wrote ourselves is authoritative. A restarted process has
   * none and reads Asterisk, which by then has applied every set.
   */
  private readonly written = new Map<string, string>();
  /** Playbacks a key cut short, stopped once the next prompt is on its way (ari-leg-playback.ts). */
  private deferredStops: string[] = [];

  constructor(
    init: AriLegInit,
    private readonly ari: AriConnection,
    private readonly playbacks: PlaybackRegistry,
    private readonly log: Logger,
  ) {
    this.id = init.id;
    this.callerNumber = init.callerNumber;
    this.calledNumber = init.calledNumber;
    this.sipCallId = init.sipCallId;
    this.up = init.up;
    this.talkDetected = init.talkDetected ?? false;
  }

  get ended(): AbortSignal {
    return this.abort.signal;
  }

  get voiceHeard(): boolean {
    return this.voice.signal.aborted;
  }

  get pendingWaits(): number {
    return this.keys.pendingWaits;
  }

  /** Called by the adapter on DTMF events. */
  keyPressed(key: Key): void {
    this.keys.push(key);
  }

  /** Called by the adapter on ChannelTalkingStarted. */
  talkingStarted(): void {
    this.voice.abort(SIGNALLED);
  }

  /** Called by the adapter when the channel is gone or left the application. */
  markEnded(): void {
    this.abort.abort(SIGNALLED);
  }

  async answer(): Promise<void> {
    // An answered channel needs no request (it would only queue behind Asterisk's poll).
    if (this.up) return this.assertLive();
    await this.op('answer', ariCalls.answer(this.id));
    this.up = true;
  }

  play(files: readonly string[], options: PlayOptions = {}): Promise<PlayResult> {
    return playSequence(files, options, this.keys, () => this.assertLive(), (files, accept, stop) => playOnLeg(this.internals(), files, accept, stop));
  }

  collect(options: CollectOptions): Promise<CollectResult> {
    return collectKeys(this.keys, options, this.ended, this.id, this.voice.signal);
  }

  clearKeys(): void {
    this.keys.clear();
  }

  unreadKey(key: Key): void {
    this.keys.unshift(key);
  }

  record(o: RecordOptions): Promise<RecordResult> {
    return recordOnLeg(this.internals(), o);
  }

  async startRingback(): Promise<Stoppable> {
    const playbackId = randomUUID();
    await this.op('ringback', ariCalls.play(this.id, RINGBACK, playbackId));
    let stopped = false;
    return {
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await stopPlayback(this.internals(), playbackId);
      },
    };
  }

  async enableVoiceDetection(): Promise<void> {
    if (this.talkDetected) return this.assertLive();
    await this.op('talk detect', ariCalls.setVar(this.id, 'TALK_DETECT(set)', TALK_DETECTION));
    this.talkDetected = true;
  }

  async setVar(name: string, value: string): Promise<void> {
    await this.op(`set ${name}`, ariCalls.setVar(this.id, name, value));
    this.written.set(name, value);
  }

  async getVar(name: string): Promise<string | null> {
    this.assertLive();
    const own = this.written.get(name);
    if (own !== undefined) return own === '' ? null : own;
    try {
      const r = await this.ari.request<{ value?: string }>(`get ${name}`, ariCalls.getVar(this.id, name));
      return r.value === undefined || r.value === '' ? null : r.value;
    } catch (err) {
      // An unset variable is a 404 too; only a vanished channel ends the call.
      if (isGoneError(err) && /variable/i.test(String((err as Error).message))) return null;
      if (isGoneError(err)) {
        this.markEnded();
        throw new CallEndedError(this.id, 'channel gone');
      }
      throw err;
    }
  }

  async hangup(): Promise<void> {
    try {
      await this.ari.request('hangup', ariCalls.hangup(this.id));
    } catch (err) {
      if (!isGoneError(err)) throw err;
    } finally {
      this.markEnded();
    }
  }

  async handOffToDialplan(): Promise<void> {
    await this.op('hand off', ariCalls.continueInDialplan(this.id, 'hotline-fallback', 's', 1));
    this.markEnded();
  }

  /** What the playback and recording helpers work on. */
  private internals(): LegInternals {
    return {
      id: this.id,
      ari: this.ari,
      registry: this.playbacks,
      keys: this.keys,
      ended: this.ended,
      log: this.log,
      op: (what, call) => this.op(what, call),
      markEnded: () => this.markEnded(),
      stopAfterNextPlay: (playbackId) => {
        this.deferredStops.push(playbackId);
        // The bound: a key answered by no prompt (a transfer, a hang-up) stops it at the next turn.
        if (this.deferredStops.length === 1) setImmediate(() => this.sendDeferredStops());
      },
      sendDeferredStops: () => this.sendDeferredStops(),
    };
  }

  private sendDeferredStops(): void {
    if (this.deferredStops.length === 0) return;
    const internals = this.internals();
    for (const playbackId of this.deferredStops.splice(0)) void stopPlayback(internals, playbackId);
  }

  private assertLive(): void {
    if (this.ended.aborted) throw new CallEndedError(this.id);
  }

  /** Runs a channel operation; "channel not found" becomes CallEndedError. */
  private async op<T>(what: string, call: AriCall): Promise<T> {
    this.assertLive();
    try {
      return (await this.ari.request(what, call)) as T;
    } catch (err) {
      if (isGoneError(err)) {
        this.markEnded();
        throw new CallEndedError(this.id, `channel gone during ${what}`);
      }
      throw err;
    }
  }
}
