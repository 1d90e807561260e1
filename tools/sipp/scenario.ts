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
 *        cancel-sent, cancelled, dtmf <keys>, speak <ms>, hangup, bye-received,
 *        hangup-early <step>, <mark>
 *   UAS: invite <caller>, ringing, answered, rejected <code>, cancel-received,
 *        cancelled, dtmf <keys>, speak <ms>, hangup, bye-received,
 *        hangup-early <step>, <mark>,
 *        out-of-call <METHOD> (an OPTIONS/NOTIFY/INFO/MESSAGE outside any call, answered 200)
 *
 * Media: DTMF and voice are RTP packets generated into pcap files next to the
 * scenario (see pcap.ts for why not the stock dtmf_2833_*.pcap) and played with
 * play_pcap_audio, which sends in the background; each media step is followed
 * by a wait that covers the clip, so the next step starts after it.
 *
 * A far-end hang-up during a wait (pause, the clip of dtmf/speak, ringing)
 * ends the call at once: 200 OK, `bye-received`, and a success if nothing but
 * pauses, marks and a final waitForHangup was left (or acceptEarlyHangup() was
 * called); otherwise also `hangup-early <step>`, and the call fails unless
 * accepted. See early-hangup.ts.
 *
 * Modules: scenario-steps.ts (the steps, CallScript), scenario-render.ts (XML
 * helpers, SDP, 200 OK), scenario-media.ts (RTP clips), scenario-common.ts
 * (rendering the shared steps), early-hangup.ts (waits that a BYE ends),
 * uac-scenario.ts (callers), uas-scenario.ts and uas-render.ts (phones),
 * calls-scenario.ts (uasCalls).
 */

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

export { MARKER } from './scenario-render.ts';
export { MEDIA_TAIL_MS, LEAD_IN_MS, dtmfStepMs } from './scenario-media.ts';
export { type DtmfOptions } from './scenario-steps.ts';
export { uac, UacScenario, type UacOptions } from './uac-scenario.ts';
export { uas, UasScenario } from './uas-scenario.ts';
export { uasCalls } from './calls-scenario.ts';
