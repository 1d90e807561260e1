/**
 * A phone (UAS) the hotline rings: it rings, answers, rejects or never
 * answers, then runs the common steps.
 *
 *   uas().ring(1000).answer().pause(500).dtmf('1').waitForHangup(30_000)
 */
import type { BuildOptions, BuiltScenario, Scenario } from './scenario.ts';
import { CallScript, checkMs, type UasStep } from './scenario-steps.ts';
import { renderPhone, type UasScript } from './uas-render.ts';

const REASONS: Record<number, string> = {
  400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 408: 'Request Timeout',
  480: 'Temporarily Unavailable', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 500: 'Server Internal Error', 503: 'Service Unavailable',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere',
};

export class UasScenario extends CallScript<UasStep> implements Scenario {
  readonly role = 'uas' as const;
  readonly calls = 1;
  private state: 'invited' | 'ringing' | 'up' | 'ended' = 'invited';
  private calledLogged = false;

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
   * `cancelled` event is written and the call counts as failed. A BYE on the
   * early dialog is answered likewise (200, 487, ACK) as an early hang-up.
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

  /** Write an `invite-to` event with the number each INVITE was sent to (for a phone that stands for many numbers). */
  logCalled(): this {
    this.calledLogged = true;
    return this;
  }

  build(dir: string, options: BuildOptions = {}): BuiltScenario {
    return renderPhone([this], dir, options.calls ?? 1);
  }

  /** @internal the steps and where they leave the call, for rendering */
  script(): UasScript {
    return { steps: this.steps, state: this.state, acceptEarlyHangup: this.earlyHangupOk, logCalled: this.calledLogged };
  }
}

/** A phone that takes one call (per SIPp call; see uasCalls for different behaviour per call). */
export function uas(): UasScenario {
  return new UasScenario();
}
