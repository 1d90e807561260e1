/**
 * Builds SIPp XML scenarios for a caller (UAC) and for phones (UAS) that the
 * hotline rings: service desk, duty officers, customers called back.
 *
 *   uac({ to: '95158', from: '13812345678' }).pause(3000).dtmf('1').speak().hangup()
 *   uas().ring(1000).answer().pause(500).dtmf('1').waitForHangup(30_000)
 *   uasCalls(uas().neverAnswer(30_000), uas().ring(500).answer().waitForHangup(60_000))
 *
 * Every step writes a marker line (`@@|<call>|<timestamp>|<name>|<detail>`)
 * into SIPp's log file (-trace_logs); runSipp() turns them into timed events:
 *   UAC: invite, trying, ringing, progress, answered, rejected <code>,
 *        cancel-sent, cancelled, dtmf <keys>, speak <ms>, hangup, bye-received, <mark>
 *   UAS: invite <caller>, ringing, answered, rejected <code>, cancel-received,
 *        cancelled, dtmf <keys>, speak <ms>, hangup, bye-received, <mark>,
 *        out-of-call <METHOD> (an OPTIONS/NOTIFY/INFO/MESSAGE outside any call, answered 200)
 *
 * Media: DTMF and voice are RTP packets generated into pcap files next to the
 * scenario (see pcap.ts for why not the stock dtmf_2833_*.pcap) and played with
 * play_pcap_audio, which sends in the background; each media step is followed
 * by a pause that covers the clip, so the next step starts after it.
 */
import {
  STOCK_DTMF_PCAP_MS,
  STOCK_VOICE_PCAP_MS,
  TELEPHONE_EVENT,
  ULAW_SILENCE,
  clipOf,
  dtmfPackets,
  dtmfSpanMs,
  newRtpStream,
  stockDtmfPcap,
  stockVoiceUlaw,
  voicePackets,
  wavToUlaw,
  writePcap,
  type DtmfTiming,
  type RtpStream,
  type TimedRtp,
} from './pcap.ts';

export type Role = 'uac' | 'uas';

export interface BuiltScenario {
  /** The scenario XML; media files are referenced as `<dir>/<name>`. */
  xml: string;
  /** Files the scenario plays, to be written into `dir` before SIPp starts. */
  files: { name: string; data: Buffer }[];
}

export interface Scenario {
  readonly role: Role;
  /** How many calls a run of this scenario handles (SIPp -m) unless runSipp() is told otherwise. */
  readonly calls: number;
  /** Render the XML, with media files placed in `dir`. Each call renders afresh (new branch token, new SSRC). */
  build(dir: string, options?: BuildOptions): BuiltScenario;
}

export interface BuildOptions {
  /** Calls the run handles: a UAS scenario stops SIPp itself after this many INVITEs (default: its `calls`). */
  calls?: number;
}

/** The marker prefix of lines in the SIPp log file. */
export const MARKER = '@@';
/** How long a transaction's answer may take (200 for BYE, ACK for 200, 487 after CANCEL) before the call fails. */
const ANSWER_TIMEOUT_MS = 8000;
/** Extra pause after a media clip before the next step (ms). */
export const MEDIA_TAIL_MS = 40;
/** Silence sent before the first media clip of a call, so that a receiver with strict RTP
 * (Asterisk learns a new source from a few packets in sequence) does not drop the first key. */
export const LEAD_IN_MS = 100;

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, UPDATE';

const REASONS: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout',
  480: 'Temporarily Unavailable', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 500: 'Server Internal Error', 503: 'Service Unavailable',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere',
};

/** Final failure responses a UAC recognises (anything else fails the call as unexpected). */
const FAILURE_CODES = [
  400, 401, 403, 404, 405, 407, 408, 410, 415, 420, 480, 481, 482, 483, 484, 485, 486, 487, 488, 491,
  500, 501, 502, 503, 504, 580, 600, 603, 604, 606,
];

/** A regexp no SIP message contains: an `ereg check_it` with it marks the call failed and lets it go on. */
const NEVER_MATCHES = 'SIPP-FORCED-CALL-FAILURE-[0-9]{40}';

// ------------------------------------------------------------------ steps

type Media =
  | { kind: 'dtmf'; digits: string; timing: DtmfTiming; stock: boolean }
  | { kind: 'voice'; ms: number; wav?: string };

type CommonStep =
  | { t: 'pause'; ms: number }
  | { t: 'media'; media: Media }
  | { t: 'mark'; name: string; detail: string }
  | { t: 'hangup' }
  | { t: 'waitForHangup'; ms: number };

type UasOnlyStep =
  | { t: 'ring'; ms: number }
  | { t: 'answer' }
  | { t: 'reject'; code: number; reason: string }
  | { t: 'neverAnswer'; ms: number };

type UasStep = CommonStep | UasOnlyStep;

export interface DtmfOptions extends DtmfTiming {
  /** Play the stock /usr/share/sip-tester/dtmf_2833_<d>.pcap (one key only). Beware: repeats
   * the same RTP sequence numbers and timestamp on every play, so a receiver drops any later key. */
  stock?: boolean;
}

function checkMs(ms: number, what: string): number {
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
abstract class CallScript<S> {
  protected readonly steps: S[] = [];
  protected abstract phase(): 'before' | 'up' | 'ended';
  protected abstract push(step: CommonStep): void;

  protected requireUp(what: string): void {
    const phase = this.phase();
    if (phase !== 'up') throw new Error(`${what}: the call is ${phase === 'ended' ? 'already over' : 'not answered yet'}`);
  }

  /** Wait `ms`. */
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

/** How long a dtmf() step takes (clip plus tail), for keys pressed with default timing. */
export function dtmfStepMs(digits: string, timing: DtmfTiming = {}): number {
  return dtmfSpanMs(digits.length, timing) + MEDIA_TAIL_MS;
}

// ------------------------------------------------------------------ rendering

function xmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function cdata(lines: string[]): string {
  const body = lines.join('\n');
  if (body.includes(']]>')) throw new Error('message contains ]]>');
  return `<![CDATA[\n${body}\n\n]]>`;
}

function logLine(name: string, detail = ''): string {
  return `<log message="${xmlAttr(`${MARKER}|[call_number]|[timestamp]|${name}|${detail}`)}"/>`;
}

function sdp(): string[] {
  return [
    'v=0',
    'o=- [pid][call_number] 1 IN IP[local_ip_type] [local_ip]',
    's=sipp',
    'c=IN IP[media_ip_type] [media_ip]',
    't=0 0',
    `m=audio [media_port] RTP/AVP 0 ${TELEPHONE_EVENT}`,
    'a=rtpmap:0 PCMU/8000',
    `a=rtpmap:${TELEPHONE_EVENT} telephone-event/8000`,
    `a=fmtp:${TELEPHONE_EVENT} 0-16`,
    'a=ptime:20',
    'a=sendrecv',
  ];
}

/** Shared state while one scenario is rendered. */
class Render {
  readonly token = Math.random().toString(36).slice(2, 10);
  readonly files: { name: string; data: Buffer }[] = [];
  readonly out: string[] = [];
  private labels = 0;
  private msgs = 0;
  readonly vars = new Set<string>();

  constructor(readonly dir: string) {}

  label(hint: string): string {
    return `${hint}${++this.labels}`;
  }

  /** A branch unique to this render, call and message; `inv` is the INVITE's (CANCEL and non-2xx ACK reuse it). */
  branch(kind?: string): string {
    return `z9hG4bK-${this.token}-[call_number]-${kind ?? `m${++this.msgs}`}`;
  }

  file(name: string, data: Buffer): string {
    this.files.push({ name, data });
    return `${this.dir.replace(/\/+$/, '')}/${name}`;
  }

  add(...lines: string[]): void {
    this.out.push(...lines);
  }

  nopLog(name: string, detail = ''): void {
    this.add(`  <nop><action>${logLine(name, detail)}</action></nop>`);
  }

  jump(label: string): void {
    this.add(`  <nop next="${label}"/>`);
  }
}

/** Media of one call: one RTP stream, its clock following the planned pauses. */
class MediaTrack {
  private readonly stream: RtpStream = newRtpStream();
  private readonly baseTs = this.stream.timestamp;
  private clockMs = 0;
  private started = false;

  constructor(private readonly r: Render, private readonly prefix: string) {}

  advance(ms: number): void {
    this.clockMs += ms;
  }

  /** Emit the play action, log and covering pause for one media step. */
  play(media: Media): void {
    if (media.kind === 'dtmf' && media.stock) {
      const path = stockDtmfPcap(media.digits);
      this.emit('dtmf', media.digits, path, STOCK_DTMF_PCAP_MS);
      return;
    }
    this.stream.timestamp = Math.max(this.stream.timestamp, this.baseTs + this.clockMs * 8);
    const packets: TimedRtp[] = [];
    let offset = 0;
    if (!this.started) {
      packets.push(...voicePackets(this.stream, Buffer.alloc(LEAD_IN_MS * 8, ULAW_SILENCE)));
      offset = LEAD_IN_MS;
      this.started = true;
    }
    let name: string;
    let detail: string;
    if (media.kind === 'dtmf') {
      packets.push(...dtmfPackets(this.stream, media.digits, media.timing, offset));
      name = 'dtmf';
      detail = media.digits;
    } else {
      const source = media.wav ? wavToUlaw(media.wav) : stockVoiceUlaw();
      const samples = Buffer.alloc(media.ms * 8);
      for (let i = 0; i < samples.length; i += source.length) source.copy(samples, i, 0, Math.min(source.length, samples.length - i));
      packets.push(...voicePackets(this.stream, samples, offset));
      name = 'speak';
      detail = String(media.ms);
    }
    const clip = clipOf(packets);
    const file = this.r.file(`${this.prefix}-${name}-${this.r.files.length + 1}.pcap`, writePcap(packets));
    this.emit(name, detail, file, clip.spanMs);
  }

  private emit(name: string, detail: string, path: string, spanMs: number): void {
    const ms = spanMs + MEDIA_TAIL_MS;
    this.r.add(`  <nop><action>${logLine(name, detail)}<exec play_pcap_audio="${xmlAttr(path)}"/></action></nop>`);
    this.r.add(`  <pause milliseconds="${ms}"/>`);
    this.clockMs += ms;
  }
}

function renderCommon(r: Render, track: MediaTrack, step: CommonStep, bye: () => void, end: string): void {
  switch (step.t) {
    case 'pause':
      r.add(`  <pause milliseconds="${step.ms}"/>`);
      track.advance(step.ms);
      break;
    case 'media':
      track.play(step.media);
      break;
    case 'mark':
      r.nopLog(step.name, step.detail);
      break;
    case 'hangup':
      r.nopLog('hangup');
      bye();
      r.add(`  <recv response="200" timeout="${ANSWER_TIMEOUT_MS}"/>`);
      r.jump(end);
      break;
    case 'waitForHangup':
      r.add(`  <recv request="BYE" timeout="${step.ms}">`, `    <action>${logLine('bye-received')}</action>`, '  </recv>');
      r.add(
        `  <send>${cdata(['SIP/2.0 200 OK', '[last_Via:]', '[last_From:]', '[last_To:]', '[last_Call-ID:]', '[last_CSeq:]', 'Content-Length: 0'])}</send>`,
      );
      r.jump(end);
      break;
  }
}

function header(name: string): string[] {
  return ['<?xml version="1.0" encoding="UTF-8" ?>', `<scenario name="${xmlAttr(name)}">`];
}

// ------------------------------------------------------------------ UAC

export interface UacOptions {
  /** The called number: the user of the request URI and To. */
  to: string;
  /** The caller's number: the user of From (the caller id Asterisk sees) and Contact. */
  from: string;
  /** Display name in From. */
  displayName?: string;
}

/** SIP user parts: digits, letters, `+*._~!-`, %XX escapes, or SIPp keywords such as `[call_number]`. */
const SIP_USER = /^(?:[A-Za-z0-9+*._~!-]|%[0-9A-Fa-f]{2}|\[[a-z_]+\])+$/;

export class UacScenario extends CallScript<CommonStep> implements Scenario {
  readonly role = 'uac' as const;
  readonly calls = 1;
  private ended = false;
  private ringTimeoutMs: number | undefined;
  private rejectedIsSuccess: number[] | undefined;

  constructor(readonly options: UacOptions) {
    super();
    for (const key of ['to', 'from'] as const) {
      if (!SIP_USER.test(options[key])) throw new Error(`uac: bad ${key}: ${JSON.stringify(options[key])}`);
    }
    if (options.displayName !== undefined && /["\\\r\n]/.test(options.displayName)) {
      throw new Error('uac: displayName must not contain quotes, backslashes or line breaks');
    }
  }

  protected phase(): 'up' | 'ended' {
    return this.ended ? 'ended' : 'up';
  }

  protected push(step: CommonStep): void {
    if (this.ended && step.t !== 'mark') throw new Error(`${step.t}: the call is already over`);
    this.steps.push(step);
    if (step.t === 'hangup' || step.t === 'waitForHangup') this.ended = true;
  }

  /**
   * Give up ringing after `ms` without an answer: send CANCEL, expect 200 and
   * 487, ACK. The call then ends as a success with a `cancelled` event and the
   * later steps are skipped; answered in time, it goes on with them. The time
   * counts from the last provisional response (100/180/183), which peers send
   * at once.
   */
  cancelAfter(ms: number): this {
    this.ringTimeoutMs = checkMs(ms, 'cancelAfter');
    return this;
  }

  /**
   * Make a rejection the expected outcome: the call succeeds if the INVITE gets
   * one of `codes` (any failure response if none given) and fails if answered.
   */
  expectRejected(...codes: number[]): this {
    this.rejectedIsSuccess = codes;
    return this;
  }

  /** A UAC ignores BuildOptions: how many calls it places is SIPp's -m. */
  build(dir: string): BuiltScenario {
    const r = new Render(dir);
    const { to, from, displayName } = this.options;
    const toUri = `<sip:${to}@[remote_ip]:[remote_port]>`;
    const fromHdr = `${displayName ? `"${displayName}" ` : ''}<sip:${from}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]`;
    const via = (branch: string) => `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${branch};rport`;
    const ruri = `sip:${to}@[remote_ip]:[remote_port]`;
    const end = 'end';
    const wait = 'wait';
    const cancel = 'cancel';
    const rejected = 'rejected';
    const expectReject = this.rejectedIsSuccess;
    const timeout = this.ringTimeoutMs !== undefined ? ` timeout="${this.ringTimeoutMs}" ontimeout="${cancel}"` : '';

    r.add(...header(`uac ${from} to ${to}`));
    r.nopLog('invite', to);
    r.add(
      `  <send retrans="500">${cdata([
        `INVITE ${ruri} SIP/2.0`,
        via(r.branch('inv')),
        `From: ${fromHdr}`,
        `To: ${toUri}`,
        'Call-ID: [call_id]',
        'CSeq: 1 INVITE',
        `Contact: <sip:${from}@[local_ip]:[local_port]>`,
        'Max-Forwards: 70',
        `Allow: ${ALLOW}`,
        'User-Agent: sipp-uac',
        'Content-Type: application/sdp',
        'Content-Length: [len]',
        '',
        ...sdp(),
      ])}</send>`,
    );
    r.add(`  <label id="${wait}"/>`);
    for (const [code, name] of [[100, 'trying'], [180, 'ringing'], [183, 'progress']] as const) {
      r.add(`  <recv response="${code}" optional="true" next="${wait}"${timeout}><action>${logLine(name)}</action></recv>`);
    }
    for (const code of FAILURE_CODES) {
      const fail = expectReject === undefined || (expectReject.length > 0 && !expectReject.includes(code));
      r.add(
        `  <recv response="${code}" optional="true" next="${rejected}"${timeout}><action>` +
          logLine('rejected', String(code)) +
          (fail ? `<ereg regexp="${NEVER_MATCHES}" search_in="msg" check_it="true" assign_to="failed"/>` : '') +
          '</action></recv>',
      );
      if (fail) r.vars.add('failed');
    }
    r.add(
      `  <recv response="200" rrs="true"${timeout}><action>${logLine('answered')}` +
        (expectReject !== undefined ? `<ereg regexp="${NEVER_MATCHES}" search_in="msg" check_it="true" assign_to="failed"/>` : '') +
        '</action></recv>',
    );
    if (expectReject !== undefined) r.vars.add('failed');
    r.add(
      `  <send>${cdata([
        'ACK [next_url] SIP/2.0',
        via(r.branch('ack')),
        `From: ${fromHdr}`,
        `To: ${toUri}[peer_tag_param]`,
        'Call-ID: [call_id]',
        'CSeq: 1 ACK',
        'Max-Forwards: 70',
        'Content-Length: 0',
      ])}</send>`,
    );

    const bye = () =>
      r.add(
        `  <send retrans="500">${cdata([
          'BYE [next_url] SIP/2.0',
          via(r.branch()),
          `From: ${fromHdr}`,
          `To: ${toUri}[peer_tag_param]`,
          'Call-ID: [call_id]',
          'CSeq: 2 BYE',
          'Max-Forwards: 70',
          'Content-Length: 0',
        ])}</send>`,
      );
    const track = new MediaTrack(r, 'uac');
    const steps = [...this.steps];
    if (!this.ended) steps.push({ t: 'hangup' });
    for (const step of steps) renderCommon(r, track, step, bye, end);

    // Rejected: ACK the final response (same branch as the INVITE).
    const ackFailure = () =>
      r.add(
        `  <send>${cdata([
          `ACK ${ruri} SIP/2.0`,
          via(r.branch('inv')),
          `From: ${fromHdr}`,
          '[last_To:]',
          'Call-ID: [call_id]',
          'CSeq: 1 ACK',
          'Max-Forwards: 70',
          'Content-Length: 0',
        ])}</send>`,
      );
    r.add(`  <label id="${rejected}"/>`);
    ackFailure();
    r.jump(end);

    if (this.ringTimeoutMs !== undefined) {
      r.add(`  <label id="${cancel}"/>`);
      r.nopLog('cancel-sent');
      r.add(
        `  <send retrans="500">${cdata([
          `CANCEL ${ruri} SIP/2.0`,
          via(r.branch('inv')),
          `From: ${fromHdr}`,
          `To: ${toUri}`,
          'Call-ID: [call_id]',
          'CSeq: 1 CANCEL',
          'Max-Forwards: 70',
          'Content-Length: 0',
        ])}</send>`,
      );
      r.add('  <recv response="200" optional="true"/>');
      r.add(`  <recv response="487" timeout="${ANSWER_TIMEOUT_MS}"><action>${logLine('cancelled')}</action></recv>`);
      ackFailure();
      r.jump(end);
    }
    r.add(`  <label id="${end}"/>`);
    if (r.vars.size > 0) r.add(`  <Reference variables="${[...r.vars].join(',')}"/>`);
    r.add('</scenario>', '');
    return { xml: r.out.join('\n'), files: r.files };
  }
}

/** A caller: INVITE with PCMU + telephone-event/8000 (101), then the steps once answered. */
export function uac(options: UacOptions): UacScenario {
  return new UacScenario(options);
}

// ------------------------------------------------------------------ UAS

export class UasScenario extends CallScript<UasStep> implements Scenario {
  readonly role = 'uas' as const;
  readonly calls = 1;
  private state: 'invited' | 'ringing' | 'up' | 'ended' = 'invited';

  protected phase(): 'before' | 'up' | 'ended' {
    return this.state === 'up' ? 'up' : this.state === 'ended' ? 'ended' : 'before';
  }

  protected push(step: UasStep): void {
    if (this.state === 'ended' && step.t !== 'mark') throw new Error(`${step.t}: the call is already over`);
    if (step.t === 'pause' && this.state !== 'up') throw new Error('pause: before answering, use ring(ms)');
    this.steps.push(step);
    if (step.t === 'hangup' || step.t === 'waitForHangup' || step.t === 'reject' || step.t === 'neverAnswer') this.state = 'ended';
    else if (step.t === 'answer') this.state = 'up';
    else if (step.t === 'ring' && this.state === 'invited') this.state = 'ringing';
  }

  private requireUnanswered(what: string): void {
    if (this.state === 'up' || this.state === 'ended') throw new Error(`${what}: the call is already ${this.state === 'up' ? 'answered' : 'over'}`);
  }

  /**
   * Send 180 Ringing (once) and keep ringing for `ms`. If the caller cancels
   * meanwhile, the CANCEL is answered properly (200, 487, ACK awaited), a
   * `cancelled` event is written and the call counts as failed.
   */
  ring(ms: number): this {
    this.requireUnanswered('ring');
    this.push({ t: 'ring', ms: checkMs(ms, 'ring') });
    return this;
  }

  /** 200 OK with SDP (PCMU + telephone-event 101), then wait for the ACK (`answered` event). */
  answer(): this {
    this.requireUnanswered('answer');
    this.push({ t: 'answer' });
    return this;
  }

  /** Refuse the call with a final response (486 Busy Here by default, 603 Decline, …) and take the ACK. */
  reject(code = 486, reason?: string): this {
    this.requireUnanswered('reject');
    if (!Number.isInteger(code) || code < 300 || code > 699) throw new Error(`reject: not a failure code: ${code}`);
    if (reason !== undefined && !/^[A-Za-z0-9 '-]+$/.test(reason)) throw new Error('reject: bad reason phrase');
    this.push({ t: 'reject', code, reason: reason ?? REASONS[code] ?? 'Rejected' });
    return this;
  }

  /**
   * Ring (180) and never answer: wait up to `ms` for the caller to give up
   * (CANCEL), answer it with 200 and the INVITE with 487, take the ACK: a
   * success with a `cancelled` event. No CANCEL within `ms` fails the call.
   */
  neverAnswer(ms: number): this {
    this.requireUnanswered('neverAnswer');
    this.push({ t: 'neverAnswer', ms: checkMs(ms, 'neverAnswer') });
    return this;
  }

  build(dir: string, options: BuildOptions = {}): BuiltScenario {
    return renderUas([this], dir, options.calls ?? 1);
  }

  /** @internal the steps and where they leave the call, for rendering */
  script(): { steps: readonly UasStep[]; state: string } {
    return { steps: this.steps, state: this.state };
  }

}

/** A phone that takes one call (per SIPp call; see uasCalls for different behaviour per call). */
export function uas(): UasScenario {
  return new UasScenario();
}

class UasSequence implements Scenario {
  readonly role = 'uas' as const;
  constructor(private readonly scripts: UasScenario[]) {}
  get calls(): number {
    return this.scripts.length;
  }
  build(dir: string, options: BuildOptions = {}): BuiltScenario {
    return renderUas(this.scripts, dir, options.calls ?? this.scripts.length);
  }
}

/**
 * One phone taking several calls in a row, each its own way: the first
 * INVITE runs the first script, the second the second, and so on (any further
 * call runs the last). Run it with `calls` = the number of scripts (the
 * default): SIPp -m counts calls and exits after that many have ended.
 *
 *   uasCalls(uas().neverAnswer(30_000), uas().answer().waitForHangup(60_000))
 *
 * It works with a global SIPp variable counting INVITEs; calls are told apart
 * by their order of arrival, so they should not overlap in a way that matters.
 */
export function uasCalls(...scripts: UasScenario[]): Scenario {
  if (scripts.length === 0) throw new Error('uasCalls: no scripts');
  return new UasSequence(scripts);
}

/** Requests that may reach a phone outside any call (Asterisk's qualify OPTIONS, …): answered 200, not counted. */
const OUT_OF_CALL = 'OPTIONS|NOTIFY|INFO|MESSAGE';

function renderUas(scripts: UasScenario[], dir: string, calls: number): BuiltScenario {
  if (!Number.isInteger(calls) || calls < 1) throw new Error(`uas: calls must be a positive integer, not ${calls}`);
  const r = new Render(dir);
  const end = 'end';
  const used = { cseq: false, dialog: false };
  const sections = scripts.map((script, index) => {
    const { steps, state } = script.script();
    if (steps.length === 0) throw new Error('uas: no steps (add answer(), reject(), ring() or neverAnswer())');
    if (state === 'up') throw new Error('uas: end an answered call with hangup() or waitForHangup(ms)');
    if (state !== 'ended') throw new Error('uas: the call is neither answered nor refused (add answer(), reject() or neverAnswer())');
    const label = `call${index + 1}`;
    renderUasSection(r, steps, label, end, used);
    return label;
  });
  // The sections were rendered first (to learn which captures they use): put the head before them.
  const body = r.out.splice(0);

  r.add(...header(scripts.length > 1 ? `uas x${scripts.length}` : 'uas'));
  // SIPp in server mode makes a "call" of every request with a new Call-ID and refuses
  // out-of-call scenarios (-oocsf), and -m would count those calls too. So the scenario
  // answers out-of-call requests itself and counts INVITEs in a global variable, stopping
  // SIPp gracefully (no new calls, exit when the running ones end) at the last expected one.
  r.add('  <Global variables="sippCallIndex"/>');
  r.add(
    `  <recv request="${OUT_OF_CALL}" regexp_match="true" optional="true" next="outOfCall"><action>` +
      '<ereg regexp="^[A-Z]+" search_in="msg" assign_to="oocMethod"/>' +
      `${logLine('out-of-call', '[$oocMethod]')}</action></recv>`,
  );
  const actions = ['<ereg regexp="sip:([^@;>]*)@" search_in="hdr" header="From:" assign_to="fromUri,caller"/>'];
  r.vars.add('fromUri');
  if (used.dialog) {
    actions.push('<ereg regexp=".*" search_in="hdr" header="From:" assign_to="inviteFrom"/>');
    actions.push('<ereg regexp=".*" search_in="hdr" header="To:" assign_to="inviteTo"/>');
  }
  if (used.cseq) actions.push('<ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="inviteCseq"/>');
  actions.push('<add assign_to="sippCallIndex" value="1"/>');
  actions.push(`<test assign_to="isLastCall" variable="sippCallIndex" compare="greater_than_equal" value="${calls}"/>`);
  for (let i = 1; i < scripts.length; i++) {
    actions.push(`<test assign_to="isCall${i}" variable="sippCallIndex" compare="equal" value="${i}"/>`);
  }
  actions.push(logLine('invite', '[$caller]'));
  r.add('  <recv request="INVITE" rrs="true">', '    <action>', ...actions.map((a) => `      ${a}`), '    </action>', '  </recv>');
  r.add('  <nop next="stopAfterThis" test="isLastCall"/>');
  r.add('  <label id="dispatch"/>');
  for (let i = 1; i < scripts.length; i++) r.add(`  <nop next="${sections[i - 1]}" test="isCall${i}"/>`);
  r.jump(sections[scripts.length - 1]!);
  r.add(...body);
  r.add('  <label id="stopAfterThis"/>');
  r.add('  <nop><action><exec int_cmd="stop_gracefully"/></action></nop>');
  r.jump('dispatch');
  r.add('  <label id="outOfCall"/>');
  r.add(
    `  <send>${cdata(['SIP/2.0 200 OK', '[last_Via:]', '[last_From:]', '[last_To:]', '[last_Call-ID:]', '[last_CSeq:]', 'Content-Length: 0'])}</send>`,
  );
  r.add(`  <label id="${end}"/>`);
  if (r.vars.size > 0) r.add(`  <Reference variables="${[...r.vars].join(',')}"/>`);
  r.add('</scenario>', '');
  return { xml: r.out.join('\n'), files: r.files };
}

function renderUasSection(
  r: Render,
  steps: readonly UasStep[],
  label: string,
  end: string,
  used: { cseq: boolean; dialog: boolean },
): void {
  const toTag = '[last_To:];tag=[pid]SIPpTag01[call_number]';
  const contact = 'Contact: <sip:[local_ip]:[local_port];transport=[transport]>';
  const respond = (status: string, extra: string[], retrans = false) =>
    r.add(
      `  <send${retrans ? ' retrans="500"' : ''}>${cdata([
        `SIP/2.0 ${status}`,
        '[last_Via:]',
        '[last_From:]',
        toTag,
        '[last_Call-ID:]',
        '[last_CSeq:]',
        ...extra,
      ])}</send>`,
    );
  const ringing = () => {
    r.nopLog('ringing');
    respond('180 Ringing', [contact, 'Content-Length: 0']);
  };
  /** After a CANCEL: 200 for it, 487 for the INVITE (whose CSeq was kept), ACK awaited. */
  const cancelBlock = () => {
    used.cseq = true;
    respond('200 OK', ['Content-Length: 0']);
    r.add(
      `  <send>${cdata([
        'SIP/2.0 487 Request Terminated',
        '[last_Via:]',
        '[last_From:]',
        toTag,
        '[last_Call-ID:]',
        'CSeq: [$inviteCseq] INVITE',
        'Content-Length: 0',
      ])}</send>`,
    );
    r.add(`  <recv request="ACK" timeout="${ANSWER_TIMEOUT_MS}"><action>${logLine('cancelled')}</action></recv>`);
    r.jump(end);
  };
  /** BYE from the phone: From/To are the INVITE's To/From, kept when it came. */
  const bye = () => {
    used.dialog = true;
    r.add(
      `  <send retrans="500">${cdata([
        'BYE [next_url] SIP/2.0',
        `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${r.branch()};rport`,
        'From:[$inviteTo];tag=[pid]SIPpTag01[call_number]',
        'To:[$inviteFrom]',
        'Call-ID: [call_id]',
        'CSeq: 1 BYE',
        'Max-Forwards: 70',
        'Content-Length: 0',
      ])}</send>`,
    );
  };

  r.add(`  <label id="${label}"/>`);
  const track = new MediaTrack(r, label);
  let rang = false;
  for (const step of steps) {
    switch (step.t) {
      case 'ring': {
        if (!rang) ringing();
        rang = true;
        if (step.ms > 0) {
          const after = r.label(`${label}rang`);
          r.add(
            `  <recv request="CANCEL" timeout="${step.ms}" ontimeout="${after}"><action>${logLine('cancel-received')}` +
              `<ereg regexp="${NEVER_MATCHES}" search_in="msg" check_it="true" assign_to="failed"/></action></recv>`,
          );
          r.vars.add('failed');
          cancelBlock();
          r.add(`  <label id="${after}"/>`);
        }
        break;
      }
      case 'answer':
        respond('200 OK', [contact, `Allow: ${ALLOW}`, 'Content-Type: application/sdp', 'Content-Length: [len]', '', ...sdp()], true);
        r.add(`  <recv request="ACK" timeout="${ANSWER_TIMEOUT_MS}"><action>${logLine('answered')}</action></recv>`);
        break;
      case 'reject':
        respond(`${step.code} ${step.reason}`, ['Content-Length: 0']);
        r.add(`  <recv request="ACK" timeout="${ANSWER_TIMEOUT_MS}"><action>${logLine('rejected', String(step.code))}</action></recv>`);
        r.jump(end);
        break;
      case 'neverAnswer':
        if (!rang) ringing();
        rang = true;
        r.add(`  <recv request="CANCEL" timeout="${step.ms}"><action>${logLine('cancel-received')}</action></recv>`);
        cancelBlock();
        break;
      default:
        renderCommon(r, track, step, bye, end);
    }
  }
}
