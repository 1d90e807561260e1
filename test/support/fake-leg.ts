import { waitAbort } from '../../src/telephony/wait-abort.ts';
import { collectKeys, KeyBuffer } from '../../src/telephony/key-buffer.ts';
import { oneAfterAnother, playSequence } from '../../src/telephony/play-sequence.ts';
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
} from '../../src/telephony/port.ts';
import { awaitRecording, type RecordingOutcome } from '../../src/telephony/record-wait.ts';
import { toneWav } from '../../src/audio/wav.ts';

/**
 * A call leg in memory for unit tests (the port is in fake-telephony.ts),
 * faithful to the CallLeg contract of src/telephony/port.ts and sharing the key
 * queue of the ARI adapter (KeyBuffer, collectKeys, bargeInFilter). Every
 * duration is a real setTimeout, so fake timers drive it.
 *
 * A leg keeps what happened to it, in order, in `leg.log`:
 *   answered · played <file> · stopped <file> (barge-in or signal) · key <k>
 *   (pressed by the far end) · voice · ringback start · ringback stop ·
 *   var <NAME>=<value> · voice detection on · bridged <other leg id> ·
 *   hangup (by the application) · far-end hangup · handed-off
 */

/** Matches a played file: exact path, its last segments ("duty-press-1", "en-US/main-menu"), a RegExp or a predicate. */
export type FileMatcher = string | RegExp | ((file: string) => boolean);

export function matchesFile(matcher: FileMatcher, file: string): boolean {
  if (typeof matcher === 'string') return file === matcher || file.endsWith(`/${matcher}`);
  if (matcher instanceof RegExp) return matcher.test(file);
  return matcher(file);
}

/** What the far end does when a prompt starts; `afterMs` (default 0) counts from the start of that prompt. */
export type PlayAction =
  | ((leg: FakeLeg, file: string) => void)
  | { press: string; afterMs?: number }
  | { hangUp: true; afterMs?: number }
  | { speak: true; afterMs?: number };

export interface FakeLegInit {
  id?: string;
  /** Default 13800138000. */
  callerNumber?: string;
  /** Default 95158 (the hotline number). */
  calledNumber?: string;
  sipCallId?: string;
  /** Channel variables already set (a call picked up after a restart). */
  vars?: Record<string, string>;
}

/** What a leg needs from the telephony it belongs to. */
export interface LegHost {
  durationOf(file: string): number;
  legEnded(leg: FakeLeg): void;
  /** A recording started (live) or was stored with its audio. */
  recordingLive(name: string): void;
  recordingStored(name: string, audio: Buffer): void;
}

/** A recording in progress on a fake leg. */
interface ActiveRecording {
  options: RecordOptions;
  startedAt: number;
  silenceTimer: ReturnType<typeof setTimeout> | undefined;
  maxTimer: ReturnType<typeof setTimeout>;
  finish: (outcome: RecordingOutcome) => void;
}

export const DEFAULT_DURATION_MS = 1000;
let legCounter = 0;

/** A caller or a dialed phone. Scripted by the test; driven by the application through the CallLeg port. */
export class FakeLeg implements CallLeg {
  readonly id: string;
  readonly callerNumber: string;
  readonly calledNumber: string;
  readonly sipCallId: string;
  /** What happened on the leg, in order (see the file comment for the entries). */
  readonly log: string[] = [];
  /** The same entries with the (fake) time they happened, ms since the leg was created. */
  readonly timeline: Array<{ atMs: number; entry: string }> = [];
  readonly vars = new Map<string, string>();
  answered = false;
  /** How the leg ended, once it has. */
  endedBy: 'application' | 'far-end' | 'handed-off' | null = null;
  private readonly createdAt = Date.now();
  private readonly abort = new AbortController();
  private readonly voice = new AbortController();
  private readonly keys = new KeyBuffer();
  private readonly hooks: Array<{ matcher: FileMatcher; action: PlayAction; once: boolean }> = [];
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private readonly durations: Array<[FileMatcher, number]> = [];
  private host: LegHost | null = null;
  private voiceDetection = false;
  private activePlaybacks = 0;
  private ringbacks = 0;
  private recording: ActiveRecording | null = null;
  /** The end of a recording is not reported (as when ARI events are lost in a reconnect). */
  loseRecordingEvents = false;

  constructor(init: FakeLegInit = {}) {
    this.id = init.id ?? `leg-${++legCounter}`;
    this.callerNumber = init.callerNumber ?? '13800138000';
    this.calledNumber = init.calledNumber ?? '95158';
    this.sipCallId = init.sipCallId ?? `${this.id}@fake`;
    for (const [k, v] of Object.entries(init.vars ?? {})) this.vars.set(k, v);
  }

  // ---- the port -------------------------------------------------------------

  get ended(): AbortSignal {
    return this.abort.signal;
  }

  get voiceHeard(): boolean {
    return this.voice.signal.aborted;
  }

  async answer(): Promise<void> {
    this.assertLive();
    if (this.answered) return;
    this.answered = true;
    this.note('answered');
  }

  play(files: readonly string[], options: PlayOptions = {}): Promise<PlayResult> {
    return playSequence(files, options, this.keys, () => this.assertLive(), oneAfterAnother(this.keys, (file, accept, stop) => this.playOne(file, accept, stop)));
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

  /**
   * Records like Asterisk: ends after maxSilenceSeconds without the far end
   * speaking (speak() restarts the count), at maxSeconds, or on the
   * terminator; the audio (a tone as long as the recording) is stored when it
   * ends, also when the far end hangs up.
   */
  async record(options: RecordOptions): Promise<RecordResult> {
    this.assertLive();
    this.keys.clear();
    this.note(`record ${options.name}`);
    const finished = new AbortController();
    let outcome: RecordingOutcome | null = null;
    const startedAt = Date.now();
    const rec: ActiveRecording = {
      options,
      startedAt,
      silenceTimer: undefined,
      maxTimer: setTimeout(() => rec.finish({ state: 'done', durationSeconds: options.maxSeconds }), options.maxSeconds * 1000),
      finish: (o) => {
        if (this.recording !== rec) return;
        this.stopRecordingTimers();
        this.recording = null;
        this.host?.recordingStored(options.name, toneWav(Math.max(1, (o.durationSeconds ?? 0) * 1000)));
        if (this.loseRecordingEvents) return;
        outcome = o;
        finished.abort();
      },
    };
    this.recording = rec;
    this.restartSilence();
    this.host?.recordingLive(options.name);
    try {
      return await awaitRecording({
        keys: this.keys,
        ended: this.ended,
        legId: this.id,
        options,
        finished: finished.signal,
        outcome: () => outcome,
        stop: async () => rec.finish({ state: 'done', durationSeconds: (Date.now() - startedAt) / 1000 }),
        isLive: async () => this.recording === rec,
        startedAt,
      });
    } finally {
      this.keys.clear();
    }
  }

  async startRingback(): Promise<Stoppable> {
    this.assertLive();
    this.ringbacks++;
    this.note('ringback start');
    let stopped = false;
    return {
      stop: async () => {
        if (stopped) return;
        stopped = true;
        this.ringbacks--;
        // A channel that is gone has no tone left to stop.
        if (!this.ended.aborted) this.note('ringback stop');
      },
    };
  }

  async enableVoiceDetection(): Promise<void> {
    this.assertLive();
    this.voiceDetection = true;
    this.note('voice detection on');
  }

  async setVar(name: string, value: string): Promise<void> {
    this.assertLive();
    this.vars.set(name, value);
    this.note(`var ${name}=${value}`);
  }

  async getVar(name: string): Promise<string | null> {
    this.assertLive();
    return this.vars.get(name) ?? null;
  }

  async hangup(): Promise<void> {
    if (this.ended.aborted) return;
    this.note('hangup');
    this.end('application');
  }

  async handOffToDialplan(): Promise<void> {
    this.assertLive();
    this.note('handed-off');
    this.end('handed-off');
  }

  // ---- test scripting -------------------------------------------------------

  /**
   * The far end presses keys: now, or `atMs` from now; `gapMs` between keys
   * (default 0: all at once). Keys on a leg that has ended are lost, as on a
   * real line.
   */
  press(keys: string, options: { atMs?: number; gapMs?: number } = {}): this {
    const gap = options.gapMs ?? 0;
    [...keys].forEach((key, i) => {
      const delay = (options.atMs ?? 0) + i * gap;
      if (delay === 0 && options.atMs === undefined) this.keyIn(key);
      else this.after(delay, () => this.keyIn(key));
    });
    return this;
  }

  /** The far end speaks (heard only once voice detection is on); now or `atMs` from now. */
  speak(options: { atMs?: number } = {}): this {
    if (options.atMs === undefined) this.voiceIn();
    else this.after(options.atMs, () => this.voiceIn());
    return this;
  }

  /** The far end hangs up: now or `atMs` from now. */
  farEndHangup(options: { atMs?: number } = {}): this {
    if (options.atMs === undefined) this.hangupIn();
    else this.after(options.atMs, () => this.hangupIn());
    return this;
  }

  /** Reacts when a matching prompt starts (every time, or `once`). */
  onPlay(matcher: FileMatcher, action: PlayAction, options: { once?: boolean } = {}): this {
    this.hooks.push({ matcher, action, once: options.once ?? false });
    return this;
  }

  /** Plays files matching `matcher` for `ms` on this leg (overrides the telephony's durations). */
  setDuration(matcher: FileMatcher, ms: number): this {
    this.durations.unshift([matcher, ms]);
    return this;
  }

  /** Files played on the leg, in order (each counted when it started). */
  played(): string[] {
    return this.log.filter((e) => e.startsWith('played ')).map((e) => e.slice('played '.length));
  }

  /** Last path segments of the files played: prompt ids, e.g. ['greeting-morning', 'emergency-first']. */
  heard(): string[] {
    return this.played().map((f) => f.slice(f.lastIndexOf('/') + 1));
  }

  /** Log entries other than channel variables (the flow sets one on every node). */
  events(): string[] {
    return this.log.filter((e) => !e.startsWith('var '));
  }

  /** Keys queued and not yet taken. */
  get queuedKeys(): number {
    return this.keys.size;
  }

  /** Waits in progress on this leg (key waits, playbacks and a recording). */
  get pendingWaits(): number {
    return this.keys.pendingWaits + this.activePlaybacks + (this.recording ? 1 : 0);
  }

  /** Ringback tones started and not stopped. */
  get ringbackActive(): boolean {
    return this.ringbacks > 0 && !this.ended.aborted;
  }

  /** Scripted far-end actions not yet done. */
  get scheduled(): number {
    return this.timers.size;
  }

  // ---- internals ------------------------------------------------------------

  /** @internal A dialed phone picked up. */
  answeredByFarEnd(): void {
    this.answered = true;
    this.note('answered');
  }

  /** @internal Binds the leg to its telephony (durations, live-leg count). */
  attach(host: LegHost): void {
    this.host = host;
  }

  private async playOne(file: string, accept: ((key: Key) => boolean) | null, stop?: AbortSignal): Promise<'finished' | 'key' | 'stopped'> {
    this.note(`played ${file}`);
    this.runHooks(file);
    const finished = new AbortController();
    const timer = setTimeout(() => finished.abort(), this.durationOf(file));
    this.activePlaybacks++;
    const wake = stop ? AbortSignal.any([finished.signal, stop]) : finished.signal;
    try {
      for (;;) {
        if (finished.signal.aborted) return 'finished';
        if (stop?.aborted) {
          this.note(`stopped ${file}`);
          return 'stopped';
        }
        if (accept) {
          const gotKey = await this.keys.waitForKey(this.ended, this.id, 60 * 60_000, wake, accept);
          if (gotKey) {
            this.note(`stopped ${file}`);
            return 'key';
          }
        } else {
          await waitAbort(wake, this.ended, this.id);
        }
      }
    } finally {
      clearTimeout(timer);
      this.activePlaybacks--;
    }
  }

  private runHooks(file: string): void {
    for (const hook of [...this.hooks]) {
      if (!matchesFile(hook.matcher, file)) continue;
      if (hook.once) this.hooks.splice(this.hooks.indexOf(hook), 1);
      const { action } = hook;
      if (typeof action === 'function') {
        this.after(0, () => action(this, file));
      } else if ('press' in action) {
        this.after(action.afterMs ?? 0, () => this.keyIn(action.press));
      } else if ('hangUp' in action) {
        this.after(action.afterMs ?? 0, () => this.hangupIn());
      } else {
        this.after(action.afterMs ?? 0, () => this.voiceIn());
      }
    }
  }

  private durationOf(file: string): number {
    for (const [matcher, ms] of this.durations) if (matchesFile(matcher, file)) return ms;
    return this.host?.durationOf(file) ?? DEFAULT_DURATION_MS;
  }

  private keyIn(keys: string): void {
    if (this.ended.aborted) return;
    for (const key of keys) {
      this.note(`key ${key}`);
      this.keys.push(key);
      const rec = this.recording;
      if (rec && key === (rec.options.terminator ?? '#')) rec.finish({ state: 'done', durationSeconds: (Date.now() - rec.startedAt) / 1000 });
    }
  }

  private voiceIn(): void {
    if (this.ended.aborted) return;
    this.note('voice');
    if (this.voiceDetection) this.voice.abort();
    if (this.recording) this.restartSilence();
  }

  private restartSilence(): void {
    const rec = this.recording;
    if (!rec) return;
    clearTimeout(rec.silenceTimer);
    rec.silenceTimer = setTimeout(
      () => rec.finish({ state: 'done', durationSeconds: (Date.now() - rec.startedAt) / 1000 }),
      rec.options.maxSilenceSeconds * 1000,
    );
  }

  private stopRecordingTimers(): void {
    const rec = this.recording;
    if (!rec) return;
    clearTimeout(rec.silenceTimer);
    clearTimeout(rec.maxTimer);
  }

  private hangupIn(): void {
    if (this.ended.aborted) return;
    this.note('far-end hangup');
    this.end('far-end');
  }

  private end(by: NonNullable<FakeLeg['endedBy']>): void {
    this.endedBy = by;
    const recording = this.recording;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.host?.legEnded(this);
    this.abort.abort();
    // Asterisk keeps what was recorded up to the hang-up.
    recording?.finish({ state: 'done', durationSeconds: (Date.now() - recording.startedAt) / 1000 });
  }

  /** Runs a scripted action later; dropped when the leg ends first. */
  private after(ms: number, fn: () => void): void {
    if (this.ended.aborted) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private assertLive(): void {
    if (this.ended.aborted) throw new CallEndedError(this.id);
  }

  /** @internal Adds an entry to the leg's log. */
  note(entry: string): void {
    this.log.push(entry);
    this.timeline.push({ atMs: Date.now() - this.createdAt, entry });
  }
}
