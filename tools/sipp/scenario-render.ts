/**
 * The XML side of scenarios: escaping, marker log actions, the SDP offer and
 * the shared state of one rendering (labels, branches, media files, the
 * variables to declare).
 */
import { TELEPHONE_EVENT } from './dtmf.ts';

/** The marker prefix of lines in the SIPp log file. */
export const MARKER = '@@';
/** How long a transaction's answer may take (200 for BYE, ACK for 200, 487 after CANCEL) before the call fails. */
export const ANSWER_TIMEOUT_MS = 8000;

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, UPDATE';

/** A regexp no SIP message contains: an `ereg check_it` with it marks the call failed and lets it go on. */
const NEVER_MATCHES = 'SIPP-FORCED-CALL-FAILURE-[0-9]{40}';

export function xmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function cdata(lines: string[]): string {
  const body = lines.join('\n');
  if (body.includes(']]>')) throw new Error('message contains ]]>');
  return `<![CDATA[\n${body}\n\n]]>`;
}

/** A `<log>` action writing one marker line (an event for runSipp). */
export function logLine(name: string, detail = ''): string {
  return `<log message="${xmlAttr(`${MARKER}|[call_number]|[timestamp]|${name}|${detail}`)}"/>`;
}

export function sdp(): string[] {
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

/** 200 OK to the request just received (a BYE, an out-of-call OPTIONS, …). */
export const OK_TO_LAST = `<send>${cdata(['SIP/2.0 200 OK', '[last_Via:]', '[last_From:]', '[last_To:]', '[last_Call-ID:]', '[last_CSeq:]', 'Content-Length: 0'])}</send>`;

export function header(name: string): string[] {
  return ['<?xml version="1.0" encoding="UTF-8" ?>', `<scenario name="${xmlAttr(name)}">`];
}

/** Shared state while one scenario is rendered. */
export class Render {
  readonly token = Math.random().toString(36).slice(2, 10);
  readonly files: { name: string; data: Buffer }[] = [];
  readonly out: string[] = [];
  private labels = 0;
  private msgs = 0;
  readonly vars = new Set<string>();
  /** Shared blocks the scenario needs, rendered once at its end (see early-hangup.ts). */
  readonly uses = new Set<string>();

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

  /** An action (for a recv: it needs a message) that marks the call failed and lets it go on. */
  failCall(): string {
    this.vars.add('failed');
    return `<ereg regexp="${NEVER_MATCHES}" search_in="msg" check_it="true" assign_to="failed"/>`;
  }

  /** The closing lines: the end label, the variables used, the end tag. */
  finish(end: string): { xml: string; files: { name: string; data: Buffer }[] } {
    this.add(`  <label id="${end}"/>`);
    if (this.vars.size > 0) this.add(`  <Reference variables="${[...this.vars].join(',')}"/>`);
    this.add('</scenario>', '');
    return { xml: this.out.join('\n'), files: this.files };
  }
}
