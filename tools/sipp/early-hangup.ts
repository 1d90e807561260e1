/**
 * A hang-up by the far end while a script waits (pause, the clip of a dtmf or
 * speak step, a phone ringing): the wait ends at once, the BYE is answered
 * 200 OK, `bye-received` is written and the call ends there. No step after it
 * runs (no BYE of our own that would fail after a timeout, no unexpected-BYE
 * abort).
 *
 * Whether that is a success depends on what was left to do:
 *   - nothing that matters, i.e. only pauses, marks and a final waitForHangup
 *     (the far end hung up as expected, just earlier), or nothing: success;
 *   - anything else (media, our own hangup, answer, …): `hangup-early <step>`
 *     is written too (step: pause, dtmf, speak or ring: the wait the BYE cut
 *     short) and the call fails, unless the script called acceptEarlyHangup(),
 *     which makes it a success (the `hangup-early` event is still written).
 *
 * In SIPp terms a wait of `ms` is not `<pause milliseconds="ms"/>` (SIPp
 * treats a BYE during a pause as unexpected) but
 *   <recv request="BYE" timeout="ms" ontimeout="wN" next="earlyBye">…</recv>
 *   <label id="wN"/>
 * that is, waiting for a BYE for `ms`, going on with the script when none came
 * and jumping to one shared `earlyBye` block (200 OK, end) when one did. A
 * phone ringing (ring(ms), neverAnswer(ms)) puts an optional BYE reception
 * before its CANCEL one, carrying the wait's timeout (SIPp times a run of
 * receptions by its first): a BYE on the early dialog gets 200, the INVITE
 * 487, and the ACK is awaited (uas-render.ts). A failure is the usual forced
 * one (an `ereg check_it` that cannot match), placed last among the actions
 * since SIPp skips those after a failed check.
 *
 * Not covered: a BYE while no wait runs, e.g. crossing our own BYE (glare) or
 * before the ACK of our 200; SIPp handles it as an unexpected message.
 */
import { OK_TO_LAST, logLine, type Render } from './scenario-render.ts';

/** What a BYE during a given wait means. */
export interface EarlyHangup {
  /** It ends the call as a success. */
  ok: boolean;
  /** Steps that matter were left undone: write `hangup-early <step>`. */
  cutShort: boolean;
}

/** The label of the block answering an early BYE. */
export const EARLY_BYE = 'earlyBye';

/** Steps that do nothing the far end would miss once it has hung up. */
const IDLE = new Set(['pause', 'mark']);

/**
 * The meaning of a BYE during the wait of `steps[index]`: expected if every
 * later step is a pause or a mark, save a last waitForHangup (or neverAnswer,
 * the phone's wait for the caller to give up).
 */
export function earlyHangupAt(steps: readonly { t: string }[], index: number, accepted: boolean): EarlyHangup {
  const rest = steps.slice(index + 1).filter((s) => !IDLE.has(s.t));
  const expected = rest.length === 0 || (rest.length === 1 && (rest[0]!.t === 'waitForHangup' || rest[0]!.t === 'neverAnswer'));
  return { ok: expected || accepted, cutShort: !expected };
}

/** The actions of a recv that took an early BYE during the wait of `step`. */
export function earlyByeActions(r: Render, step: string, early: EarlyHangup): string {
  let actions = logLine('bye-received');
  if (early.cutShort) actions += logLine('hangup-early', step);
  if (!early.ok) actions += r.failCall();
  return actions;
}

/** Wait `ms` for the `step` (pause, dtmf, speak), ended early by a BYE. */
export function renderWait(r: Render, ms: number, step: string, early: EarlyHangup): void {
  // timeout="0" would mean no timeout at all: a zero wait stays a zero pause.
  if (ms === 0) {
    r.add('  <pause milliseconds="0"/>');
    return;
  }
  const after = r.label('w');
  r.uses.add(EARLY_BYE);
  r.add(
    `  <recv request="BYE" timeout="${ms}" ontimeout="${after}" next="${EARLY_BYE}"><action>${earlyByeActions(r, step, early)}</action></recv>`,
    `  <label id="${after}"/>`,
  );
}

/** The block early BYEs jump to (200 OK, then the end), if any wait needs it. */
export function renderEarlyByeAnswer(r: Render, end: string): void {
  if (!r.uses.has(EARLY_BYE)) return;
  r.add(`  <label id="${EARLY_BYE}"/>`, `  ${OK_TO_LAST}`);
  r.jump(end);
}
