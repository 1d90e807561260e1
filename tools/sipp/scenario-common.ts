/**
 * Rendering of the steps both sides share once the call is up: pauses, media,
 * markers, hanging up and waiting for the far end to hang up.
 */
import { earlyHangupAt, renderWait } from './early-hangup.ts';
import { ANSWER_TIMEOUT_MS, OK_TO_LAST, logLine, type Render } from './scenario-render.ts';
import type { MediaTrack } from './scenario-media.ts';
import type { CommonStep } from './scenario-steps.ts';

export interface StepContext {
  readonly r: Render;
  readonly track: MediaTrack;
  /** All steps of the script (to tell what a BYE during a wait cuts short). */
  readonly steps: readonly { t: string }[];
  /** acceptEarlyHangup() was called. */
  readonly acceptEarlyHangup: boolean;
  /** Renders the side's BYE. */
  readonly bye: () => void;
  /** The label ending the call. */
  readonly end: string;
}

export function renderCommon(ctx: StepContext, step: CommonStep, index: number): void {
  const { r, track, end } = ctx;
  const early = () => earlyHangupAt(ctx.steps, index, ctx.acceptEarlyHangup);
  switch (step.t) {
    case 'pause':
      renderWait(r, step.ms, 'pause', early());
      track.advance(step.ms);
      break;
    case 'media':
      track.play(step.media, (ms, name) => renderWait(r, ms, name, early()));
      break;
    case 'mark':
      r.nopLog(step.name, step.detail);
      break;
    case 'hangup':
      r.nopLog('hangup');
      ctx.bye();
      r.add(`  <recv response="200" timeout="${ANSWER_TIMEOUT_MS}"/>`);
      r.jump(end);
      break;
    case 'waitForHangup':
      r.add(`  <recv request="BYE" timeout="${step.ms}">`, `    <action>${logLine('bye-received')}</action>`, '  </recv>');
      r.add(`  ${OK_TO_LAST}`);
      r.jump(end);
      break;
  }
}
