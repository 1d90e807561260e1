/**
 * A caller (UAC): INVITE offering PCMU + telephone-event/8000 (101), then the
 * steps once answered; a rejection is ACKed, a ring timeout cancels.
 *
 *   uac({ to: '95158', from: '13812345678' }).pause(3000).dtmf('1').speak().hangup()
 */
import { renderEarlyByeAnswer } from './early-hangup.ts';
import type { BuiltScenario, Scenario } from './scenario.ts';
import { renderCommon } from './scenario-common.ts';
import { MediaTrack } from './scenario-media.ts';
import { ALLOW, ANSWER_TIMEOUT_MS, Render, cdata, header, logLine, sdp } from './scenario-render.ts';
import { CallScript, checkMs, type CommonStep } from './scenario-steps.ts';

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

/** Final failure responses a UAC recognises (anything else fails the call as unexpected). */
const FAILURE_CODES = [
  400, 401, 403, 404, 405, 407, 408, 410, 415, 420, 480, 481, 482, 483, 484, 485, 486, 487, 488, 491,
  500, 501, 502, 503, 504, 580, 600, 603, 604, 606,
];

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
          (fail ? r.failCall() : '') +
          '</action></recv>',
      );
    }
    r.add(`  <recv response="200" rrs="true"${timeout}><action>${logLine('answered')}` + (expectReject !== undefined ? r.failCall() : '') + '</action></recv>');
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
    const steps: CommonStep[] = [...this.steps];
    if (!this.ended) steps.push({ t: 'hangup' });
    const ctx = { r, track: new MediaTrack(r, 'uac'), steps, acceptEarlyHangup: this.earlyHangupOk, bye, end };
    steps.forEach((step, index) => renderCommon(ctx, step, index));

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
    renderEarlyByeAnswer(r, end);
    return r.finish(end);
  }
}

/** A caller: INVITE with PCMU + telephone-event/8000 (101), then the steps once answered. */
export function uac(options: UacOptions): UacScenario {
  return new UacScenario(options);
}
