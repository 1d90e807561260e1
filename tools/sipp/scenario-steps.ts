/**
 * The steps of a call script, and what both sides can do once a call is up:
 * pause, press keys, talk, write a marker, hang up or wait for the far end to.
 * UacScenario and UasScenario extend CallScript with their own steps; the
 * rendering into SIPp XML is elsewhere (uac-scenario.ts, uas-render.ts).
 */
import { type DtmfTiming } from './dtmf.ts';
import { wavToUlaw } from './g711.ts';
import { STOCK_VOICE_PCAP_MS } from './pcap-file.ts';

export type Media =
  | { kind: 'dtmf'; digits: string; timing: DtmfTiming; stock: boolean }
  | { kind: 'voice'; ms: number; wav?: string };

export type CommonStep =
  | { t: 'pause'; ms: number }
  | { t: 'media'; media: Media }
  | { t: 'mark'; name: string; detail: string }
  | { t: 'hangup' }
  | { t: 'waitForHangup'; ms: number };

export type UasOnlyStep =
  | { t: 'ring'; ms: number }
  | { t: 'answer' }
  | { t: 'reject'; code: number; reason: string }
  | { t: 'neverAnswer'; ms: number };

export type UasStep = CommonStep | UasOnlyStep;

export interface DtmfOptions extends DtmfTiming {
  /** Play the stock /usr/share/sip-tester/dtmf_2833_<d>.pcap (one key only). Beware: repeats
   * the same RTP sequence numbers and timestamp on every play, so a receiver drops any later key. */
  stock?: boolean;
}

export function checkMs(ms: number, what: string): number {
  if (!Number.isFinite(ms) || ms < 0) throw new Error(`${what}: not a duration in ms: ${ms}`);
  return Math.round(ms);
}

function checkKeys(digits: string): string {
  if (!/^[0-9*#A-Da-d]+$/.test(digits)) throw new Error(`dtmf: not DTMF keys: ${JSON.stringify(digits)}`);
  return digits.toUpperCase();
}

const MARK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;
const MARK_DETAIL = /^[A-Za-z0-9 _.:=,+#*-]*$/;

/** Media, pauses and markers: the steps both sides have once the call is up. */
export abstract class CallScript<S> {
  protected readonly steps: S[] = [];
  /** See acceptEarlyHangup(). */
  protected earlyHangupOk = false;
  protected abstract phase(): 'before' | 'up' | 'ended';
  protected abstract push(step: CommonStep): void;

  protected requireUp(what: string): void {
    const phase = this.phase();
    if (phase !== 'up') throw new Error(`${what}: the call is ${phase === 'ended' ? 'already over' : 'not answered yet'}`);
  }

  /**
   * Let a hang-up by the far end during any wait count as success, whatever
   * steps were left (for a script that may outlast the call). Without it, only
   * a hang-up with nothing but waitForHangup() left succeeds; see early-hangup.ts.
   * Applies to the whole script, wherever it is called in the chain.
   */
  acceptEarlyHangup(): this {
    this.earlyHangupOk = true;
    return this;
  }

  /** Wait `ms` (a BYE from the far end ends the wait and the call). */
  pause(ms: number): this {
    this.push({ t: 'pause', ms: checkMs(ms, 'pause') });
    return this;
  }

  /** Press keys (RFC 4733, payload type 101): each key held 160 ms, 100 ms apart; the step lasts dtmfStepMs(keys). */
  dtmf(digits: string, options: DtmfOptions = {}): this {
    this.requireUp('dtmf');
    const keys = checkKeys(digits);
    if (options.stock && keys.length !== 1) throw new Error('dtmf: a stock pcap holds one key');
    const timing: DtmfTiming = {};
    if (options.toneMs !== undefined) timing.toneMs = checkMs(options.toneMs, 'dtmf toneMs');
    if (options.gapMs !== undefined) timing.gapMs = checkMs(options.gapMs, 'dtmf gapMs');
    this.push({ t: 'media', media: { kind: 'dtmf', digits: keys, timing, stock: options.stock === true } });
    return this;
  }

  /** Talk for `ms` (default: the whole 7080 ms g711a.pcap recording, repeated if `ms` is longer). */
  speak(ms: number = STOCK_VOICE_PCAP_MS): this {
    this.requireUp('speak');
    this.push({ t: 'media', media: { kind: 'voice', ms: checkMs(ms, 'speak') } });
    return this;
  }

  /** Talk the audio of a WAV file (8 kHz mono 16-bit), or `ms` of it (repeated if longer). */
  speakWav(path: string, ms?: number): this {
    this.requireUp('speakWav');
    const samples = wavToUlaw(path).length;
    const voice: Media = { kind: 'voice', ms: ms === undefined ? Math.round(samples / 8) : checkMs(ms, 'speakWav'), wav: path };
    this.push({ t: 'media', media: voice });
    return this;
  }

  /** Write an event of your own (name: letters, digits, `_.:-`) at this point. */
  mark(name: string, detail = ''): this {
    if (!MARK_NAME.test(name) || !MARK_DETAIL.test(detail)) throw new Error(`mark: bad name or detail: ${name} ${detail}`);
    this.push({ t: 'mark', name, detail });
    return this;
  }

  /** Send BYE and expect 200. */
  hangup(): this {
    this.requireUp('hangup');
    this.push({ t: 'hangup' });
    return this;
  }

  /** Expect the far side to hang up (BYE, answered with 200) within `timeoutMs`, else the call fails. */
  waitForHangup(timeoutMs: number): this {
    this.requireUp('waitForHangup');
    this.push({ t: 'waitForHangup', ms: checkMs(timeoutMs, 'waitForHangup') });
    return this;
  }
}
