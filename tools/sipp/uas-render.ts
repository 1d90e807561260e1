/**
 * Renders phones (UAS): one SIPp scenario that answers out-of-call requests,
 * counts INVITEs, stops SIPp after the last expected one and runs, per call,
 * the section of its script (uasCalls: one section per script).
 */
import { earlyByeActions, earlyHangupAt, renderEarlyByeAnswer } from './early-hangup.ts';
import type { BuiltScenario } from './scenario.ts';
import { renderCommon } from './scenario-common.ts';
import { MediaTrack } from './scenario-media.ts';
import { ALLOW, ANSWER_TIMEOUT_MS, OK_TO_LAST, Render, cdata, header, logLine, sdp } from './scenario-render.ts';
import type { UasStep } from './scenario-steps.ts';

/** What a UasScenario hands over for rendering. */
export interface UasScript {
  steps: readonly UasStep[];
  state: string;
  acceptEarlyHangup: boolean;
  /** Log the number called (the request URI's user) as an `invite-to` event: who an outbound call was for. */
  logCalled: boolean;
}

/** Requests that may reach a phone outside any call (Asterisk's qualify OPTIONS, …): answered 200, not counted. */
const OUT_OF_CALL = 'OPTIONS|NOTIFY|INFO|MESSAGE';

/** Where a BYE while ringing (on the early dialog) goes: 200 for it, 487 for the INVITE, ACK awaited. */
const EARLY_BYE_RINGING = 'earlyByeRinging';

/** The INVITE's headers the sections need later (captured when it arrives). */
interface Captures {
  cseq: boolean;
  dialog: boolean;
  via: boolean;
}

const TO_TAG = 'tag=[pid]SIPpTag01[call_number]';

export function renderPhone(scripts: readonly { script(): UasScript }[], dir: string, calls: number): BuiltScenario {
  if (!Number.isInteger(calls) || calls < 1) throw new Error(`uas: calls must be a positive integer, not ${calls}`);
  const r = new Render(dir);
  const end = 'end';
  const used: Captures = { cseq: false, dialog: false, via: false };
  const sections = scripts.map((s, index) => {
    const script = s.script();
    if (script.steps.length === 0) throw new Error('uas: no steps (add answer(), reject(), ring() or neverAnswer())');
    if (script.state === 'up') throw new Error('uas: end an answered call with hangup() or waitForHangup(ms)');
    if (script.state !== 'ended') throw new Error('uas: the call is neither answered nor refused (add answer(), reject() or neverAnswer())');
    const label = `call${index + 1}`;
    renderSection(r, script, label, end, used);
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
  const logCalled = scripts.some((s) => s.script().logCalled);
  if (logCalled) {
    // The request line comes first in the message: its URI's user is the number called.
    actions.push('<ereg regexp="sip:([^@;>]*)@" search_in="msg" assign_to="ruri,called"/>');
    r.vars.add('ruri');
  }
  if (used.dialog) {
    actions.push('<ereg regexp=".*" search_in="hdr" header="From:" assign_to="inviteFrom"/>');
    actions.push('<ereg regexp=".*" search_in="hdr" header="To:" assign_to="inviteTo"/>');
  }
  if (used.cseq) actions.push('<ereg regexp="[0-9]+" search_in="hdr" header="CSeq:" assign_to="inviteCseq"/>');
  if (used.via) actions.push('<ereg regexp=".*" search_in="hdr" header="Via:" assign_to="inviteVia"/>');
  actions.push('<add assign_to="sippCallIndex" value="1"/>');
  actions.push(`<test assign_to="isLastCall" variable="sippCallIndex" compare="greater_than_equal" value="${calls}"/>`);
  for (let i = 1; i < scripts.length; i++) {
    actions.push(`<test assign_to="isCall${i}" variable="sippCallIndex" compare="equal" value="${i}"/>`);
  }
  actions.push(logLine('invite', '[$caller]'));
  if (logCalled) actions.push(logLine('invite-to', '[$called]'));
  r.add('  <recv request="INVITE" rrs="true">', '    <action>', ...actions.map((a) => `      ${a}`), '    </action>', '  </recv>');
  r.add('  <nop next="stopAfterThis" test="isLastCall"/>');
  r.add('  <label id="dispatch"/>');
  for (let i = 1; i < scripts.length; i++) r.add(`  <nop next="${sections[i - 1]}" test="isCall${i}"/>`);
  r.jump(sections[scripts.length - 1]!);
  r.add(...body);
  r.add('  <label id="stopAfterThis"/>');
  r.add('  <nop><action><exec int_cmd="stop_gracefully"/></action></nop>');
  r.jump('dispatch');
  renderEarlyByeAnswer(r, end);
  if (used.via) {
    // A BYE on the early dialog (the caller gave up after our 180): 200 for the BYE, 487 for the INVITE.
    r.add(`  <label id="${EARLY_BYE_RINGING}"/>`, `  ${OK_TO_LAST}`);
    r.add(
      `  <send>${cdata([
        'SIP/2.0 487 Request Terminated',
        'Via:[$inviteVia]',
        'From:[$inviteFrom]',
        `To:[$inviteTo];${TO_TAG}`,
        'Call-ID: [call_id]',
        'CSeq: [$inviteCseq] INVITE',
        'Content-Length: 0',
      ])}</send>`,
    );
    r.add(`  <recv request="ACK" timeout="${ANSWER_TIMEOUT_MS}"/>`);
    r.jump(end);
  }
  r.add('  <label id="outOfCall"/>');
  r.add(`  ${OK_TO_LAST}`);
  return r.finish(end);
}

function renderSection(r: Render, script: UasScript, label: string, end: string, used: Captures): void {
  const { steps } = script;
  const toTag = `[last_To:];${TO_TAG}`;
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
  /** While ringing, a BYE on the early dialog: taken first, with the wait's timeout (SIPp times a run of recvs by its first). */
  const earlyBye = (index: number, timeout: string) => {
    used.cseq = used.dialog = used.via = true;
    const early = earlyHangupAt(steps, index, script.acceptEarlyHangup);
    r.add(`  <recv request="BYE" optional="true"${timeout} next="${EARLY_BYE_RINGING}"><action>${earlyByeActions(r, 'ring', early)}</action></recv>`);
  };
  /** BYE from the phone: From/To are the INVITE's To/From, kept when it came. */
  const bye = () => {
    used.dialog = true;
    r.add(
      `  <send retrans="500">${cdata([
        'BYE [next_url] SIP/2.0',
        `Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=${r.branch()};rport`,
        `From:[$inviteTo];${TO_TAG}`,
        'To:[$inviteFrom]',
        'Call-ID: [call_id]',
        'CSeq: 1 BYE',
        'Max-Forwards: 70',
        'Content-Length: 0',
      ])}</send>`,
    );
  };

  r.add(`  <label id="${label}"/>`);
  const ctx = { r, track: new MediaTrack(r, label), steps, acceptEarlyHangup: script.acceptEarlyHangup, bye, end };
  let rang = false;
  steps.forEach((step, index) => {
    switch (step.t) {
      case 'ring': {
        if (!rang) ringing();
        rang = true;
        if (step.ms > 0) {
          const after = r.label(`${label}rang`);
          const timeout = ` timeout="${step.ms}" ontimeout="${after}"`;
          earlyBye(index, timeout);
          r.add(`  <recv request="CANCEL"${timeout}><action>${logLine('cancel-received')}${r.failCall()}</action></recv>`);
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
        earlyBye(index, ` timeout="${step.ms}"`);
        r.add(`  <recv request="CANCEL" timeout="${step.ms}"><action>${logLine('cancel-received')}</action></recv>`);
        cancelBlock();
        break;
      default:
        renderCommon(ctx, step, index);
    }
  });
}
