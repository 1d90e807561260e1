import type { Language } from '../config/schema.ts';
import type { CallRecorder } from '../domain/call-record.ts';
import type { Category } from '../domain/category.ts';
import type { Logger } from '../logging/logger.ts';
import type { Clock } from '../time/clock.ts';
import { type CallLeg, type CollectOptions, type CollectResult, type PlayResult } from '../telephony/port.ts';
import type { Decisions } from './decisions.ts';
import type { Flow, PromptItem } from './flow-schema.ts';

/** Where prompt audio comes from (PromptLibrary in production). */
export interface PromptSource {
  /** Absolute path without extension. */
  file(id: string, lang: Language): string;
  /** One file per digit of a number, for reading numbers back. */
  digitFiles(number: string, lang: Language): string[];
}

/** Thrown by a node to continue at another node (the emergency key does this). */
export class Jump {
  constructor(readonly node: string, readonly reason: string) {}
}

/**
 * Channel variables a restarted application reads on a call it picks up. The
 * call's record is found by its channel (recordIdOf), and where the call was
 * (its node, its language) is read back from that record, not from the
 * channel: a channel variable is one more ARI request, on the path between a
 * key and the next prompt (issue 10).
 */
export const CHANNEL_VARS = {
  /** Set by versions before record ids came from channels: a call of theirs picked up keeps its record. */
  callId: 'HOTLINE_CALL_ID',
  /** Set on callbacks, whose caller id is the hotline's own number. */
  customer: 'HOTLINE_CUSTOMER',
} as const;

export interface SessionEnvironment {
  flow: Flow;
  prompts: PromptSource;
  clock: Clock;
  decisions: Decisions;
}

/**
 * barge-in for session.play: 'any' key stops the prompt; 'emergency' lets
 * only the emergency key through (a goodbye is not cut by a stray key); the
 * emergency key always interrupts while global keys are on.
 */
export type SessionBargeIn = 'any' | 'emergency';

/** One call going through the flow: its leg, language, record and log. */
export class CallSession {
  node: string | null = null;
  language: Language;
  /** Off while a node uses the emergency key for something else (none does yet). */
  globalKeys = true;
  /**
   * The customer's number: the caller id on inbound calls, the number dialed
   * on calls the hotline places (callbacks). Never log it unmasked.
   */
  customerNumber: string;
  /** Who ended a connected conversation, set by the node that bridged it. */
  endedBy: 'caller' | 'far-end' | null = null;

  constructor(
    readonly leg: CallLeg,
    readonly recorder: CallRecorder,
    readonly env: SessionEnvironment,
    private readonly baseLog: Logger,
    language: Language,
  ) {
    this.language = language;
    this.customerNumber = leg.callerNumber;
  }

  get log(): Logger {
    return this.baseLog.child({ node: this.node });
  }

  get now(): Date {
    return this.env.clock.now();
  }

  /**
   * Marks entry into a node on the record, which the store writes behind the
   * call; a restarted application resumes the call at the last node written.
   */
  enter(node: string): void {
    this.node = node;
    this.recorder.enteredNode(node, this.now);
  }

  setLanguage(language: Language): void {
    this.language = language;
    this.recorder.setLanguage(language);
  }

  setCategory(category: Category): void {
    this.recorder.setCategory(category);
  }

  decide(fn: string): string {
    const decision = this.env.decisions[fn];
    if (!decision) throw new Error(`unknown decision function "${fn}"`);
    return decision.decide(this.now);
  }

  /** Prompt items to files in the call's language (selects are decided now). */
  files(items: readonly PromptItem[]): string[] {
    return items.map((item) => {
      const id = typeof item === 'string' ? item : item.prompts[this.decide(item.select)];
      if (!id) throw new Error(`prompt select ${JSON.stringify(item)} has no prompt for the current outcome`);
      return this.env.prompts.file(id, this.language);
    });
  }

  /** Plays prompts; the emergency key jumps to the duty line from any prompt. */
  async play(items: readonly PromptItem[], bargeIn: SessionBargeIn = 'any'): Promise<PlayResult> {
    return this.playFiles(this.files(items), bargeIn);
  }

  async playFiles(files: readonly string[], bargeIn: SessionBargeIn = 'any'): Promise<PlayResult> {
    const emergency = this.env.flow.emergencyKey;
    const keys = bargeIn === 'any' ? true : this.globalKeys ? [emergency] : false;
    const result = await this.leg.play(files, { bargeIn: keys });
    if (result.kind === 'key') this.checkEmergency(result.key);
    return result;
  }

  /** Collects keys; an emergency key as the first key jumps to the duty line. */
  async collect(options: CollectOptions): Promise<CollectResult> {
    const result = await this.leg.collect(options);
    if (result.kind !== 'voice' && result.keys.length > 0) this.checkEmergency(result.keys[0]!);
    return result;
  }

  /** Records a key the flow acted on. */
  recordKey(key: string): void {
    this.recorder.keyPressed(key, this.node ?? '', this.now);
  }

  private checkEmergency(key: string): void {
    if (!this.globalKeys || key !== this.env.flow.emergencyKey) return;
    if (this.node === this.env.flow.emergencyNode) return;
    this.recordKey(key);
    throw new Jump(this.env.flow.emergencyNode, `key ${key}`);
  }
}
