import { describe, expect, it } from 'vitest';
import { readPcap } from '../../../tools/sipp/pcap-file.ts';
import { parseRtp } from '../../../tools/sipp/rtp.ts';
import { earlyHangupAt } from '../../../tools/sipp/early-hangup.ts';
import { LEAD_IN_MS, MEDIA_TAIL_MS, dtmfStepMs, uac, uas, uasCalls } from '../../../tools/sipp/scenario.ts';
import { parseCallCounts, parseEventLine } from '../../../tools/sipp/runner-logs.ts';

const caller = () => uac({ to: '95158', from: '13812345678' });

describe('uac()', () => {
  it('INVITEs the called number from the caller number, offering PCMU and telephone-event 101', () => {
    const { xml } = caller().hangup().build('/work');
    expect(xml).toContain('INVITE sip:95158@[remote_ip]:[remote_port] SIP/2.0');
    expect(xml).toContain('From: <sip:13812345678@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]');
    expect(xml).toContain('m=audio [media_port] RTP/AVP 0 101');
    expect(xml).toContain('a=rtpmap:0 PCMU/8000');
    expect(xml).toContain('a=rtpmap:101 telephone-event/8000');
    expect(xml).toMatch(/Allow: [^\n]*UPDATE/);
    // provisional responses in any order, then 200 and ACK
    expect(xml).toContain('<recv response="180" optional="true" next="wait">');
    expect(xml).toContain('<recv response="183" optional="true" next="wait">');
    expect(xml).toContain('<recv response="486" optional="true" next="rejected">');
    expect(xml).toMatch(/<recv response="200" rrs="true">[\s\S]*ACK \[next_url\] SIP\/2\.0/);
    expect(xml).toContain('BYE [next_url] SIP/2.0');
  });

  it('plays generated DTMF with a wait covering each clip, and logs markers', () => {
    const built = caller().pause(250).dtmf('1').dtmf('2#').hangup().build('/run/dir');
    expect(built.files.map((f) => f.name)).toEqual(['uac-dtmf-1.pcap', 'uac-dtmf-2.pcap']);
    expect(built.xml).toContain('<exec play_pcap_audio="/run/dir/uac-dtmf-1.pcap"/>');
    // waits are BYE receptions with a timeout (see the early hang-up tests below)
    const pauses = [...built.xml.matchAll(/<recv request="BYE" timeout="(\d+)" ontimeout=/g)].map((m) => Number(m[1]));
    // the first clip starts with 100 ms of silence (strict RTP learning), the second does not
    expect(pauses).toEqual([250, LEAD_IN_MS + dtmfStepMs('1'), dtmfStepMs('2#')]);
    expect(dtmfStepMs('2#')).toBe(180 + 260 + MEDIA_TAIL_MS);
    expect(built.xml).toContain('@@|[call_number]|[timestamp]|dtmf|2#');
    const second = readPcap(built.files[1]!.data).map((p) => parseRtp(p.udpPayload));
    expect(new Set(second.map((p) => p.payload[0]))).toEqual(new Set([2, 11]));
    const first = readPcap(built.files[0]!.data).map((p) => parseRtp(p.udpPayload));
    expect(first[0]!.payloadType).toBe(0);
    expect(second[0]!.ssrc).toBe(first[0]!.ssrc);
    expect(second[0]!.seq).toBeGreaterThan(first[first.length - 1]!.seq);
  });

  it('can play a stock pcap for a single key', () => {
    const built = caller().dtmf('#', { stock: true }).hangup().build('/d');
    expect(built.files).toEqual([]);
    expect(built.xml).toContain('play_pcap_audio="/usr/share/sip-tester/dtmf_2833_pound.pcap"');
    expect(() => caller().dtmf('12', { stock: true })).toThrow(/one key/);
  });

  it('hangs up by itself when the steps do not end the call', () => {
    expect(caller().pause(100).build('/d').xml).toContain('BYE [next_url] SIP/2.0');
  });

  it('cancels after the ring timeout and can expect a rejection', () => {
    const xml = caller().cancelAfter(1500).build('/d').xml;
    expect(xml).toContain('<recv response="180" optional="true" next="wait" timeout="1500" ontimeout="cancel">');
    expect(xml).toMatch(/<label id="cancel"\/>[\s\S]*CANCEL sip:95158@\[remote_ip\]:\[remote_port\] SIP\/2\.0/);
    const rejected = caller().expectRejected(486).build('/d').xml;
    expect(rejected).toMatch(/<recv response="486"[^\n]*rejected\|486"\/><\/action>/);
    expect(rejected).toMatch(/<recv response="603"[^\n]*check_it="true"/);
  });

  it('uses a new branch token on every build', () => {
    const s = caller().hangup();
    const token = (xml: string) => /branch=z9hG4bK-([a-z0-9]+)-/.exec(xml)?.[1];
    expect(token(s.build('/d').xml)).not.toBe(token(s.build('/d').xml));
  });

  it('refuses bad input', () => {
    expect(() => uac({ to: '95158', from: '138 1234' })).toThrow(/from/);
    expect(() => uac({ to: '9515]]>8', from: '1' })).toThrow(/to/);
    expect(() => caller().dtmf('1x')).toThrow(/DTMF/);
    expect(() => caller().pause(-1)).toThrow();
    expect(() => caller().hangup().dtmf('1')).toThrow(/over/);
    expect(() => caller().mark('bad|name')).toThrow();
    expect(uac({ to: '95158', from: '1380000[call_number]' }).hangup().build('/d').xml).toContain('<sip:1380000[call_number]@');
  });
});

describe('uas()', () => {
  it('answers with the standard [last_*] headers, a To tag and SDP', () => {
    const { xml } = uas().ring(500).answer().waitForHangup(5000).build('/d');
    expect(xml).toContain('<recv request="INVITE" rrs="true">');
    expect(xml).toContain('SIP/2.0 180 Ringing\n[last_Via:]\n[last_From:]\n[last_To:];tag=[pid]SIPpTag01[call_number]\n[last_Call-ID:]\n[last_CSeq:]');
    expect(xml).toMatch(/SIP\/2\.0 200 OK[\s\S]*a=rtpmap:101 telephone-event\/8000/);
    expect(xml).toContain('<recv request="BYE" timeout="5000">');
    // a CANCEL while ringing is answered (200 + 487) and fails the call
    expect(xml).toContain('<recv request="CANCEL" timeout="500" ontimeout="call1rang1">');
    expect(xml).toContain('CSeq: [$inviteCseq] INVITE');
    // it counts INVITEs and stops SIPp itself; out-of-call requests are answered apart
    expect(xml).toContain('<test assign_to="isLastCall" variable="sippCallIndex" compare="greater_than_equal" value="1"/>');
    expect(xml).toContain('<exec int_cmd="stop_gracefully"/>');
    expect(xml).toContain('<recv request="OPTIONS|NOTIFY|INFO|MESSAGE" regexp_match="true" optional="true" next="outOfCall">');
  });

  it('rejects, or rings until cancelled', () => {
    expect(uas().reject(603).build('/d').xml).toContain('SIP/2.0 603 Decline');
    const never = uas().neverAnswer(20_000).build('/d').xml;
    expect(never).toContain('<recv request="CANCEL" timeout="20000">');
    expect(never).toContain('SIP/2.0 487 Request Terminated');
  });

  it('hangs up with the INVITE dialog turned around', () => {
    const { xml } = uas().answer().pause(100).dtmf('1').hangup().build('/d');
    expect(xml).toContain('From:[$inviteTo];tag=[pid]SIPpTag01[call_number]\nTo:[$inviteFrom]');
    expect(xml).toContain('<ereg regexp=".*" search_in="hdr" header="To:" assign_to="inviteTo"/>');
  });

  it('checks the order of steps', () => {
    expect(() => uas().dtmf('1')).toThrow(/not answered/);
    expect(() => uas().pause(100)).toThrow(/ring/);
    expect(() => uas().answer().answer()).toThrow(/answered/);
    expect(() => uas().reject(200)).toThrow(/failure code/);
    expect(() => uas().build('/d')).toThrow(/no steps/);
    expect(() => uas().answer().build('/d')).toThrow(/hangup\(\) or waitForHangup/);
    expect(() => uas().ring(100).build('/d')).toThrow(/neither answered nor refused/);
  });

  it('uasCalls: one script per call, in order of arrival', () => {
    const s = uasCalls(uas().neverAnswer(5000), uas().answer().waitForHangup(5000));
    expect(s.calls).toBe(2);
    const { xml } = s.build('/d');
    expect(xml).toContain('<Global variables="sippCallIndex"/>');
    expect(xml).toContain('<test assign_to="isCall1" variable="sippCallIndex" compare="equal" value="1"/>');
    expect(xml).toContain('<nop next="call1" test="isCall1"/>');
    expect(xml).toContain('<nop next="call2"/>');
    expect(xml).toContain('value="2"/>');
  });
});

describe('early hang-up (a BYE during a wait)', () => {
  /** The recv that replaces a wait, by the step name its hangup-early marker carries (or the first one). */
  const waits = (xml: string) => [...xml.matchAll(/<recv request="BYE" timeout="(\d+)" ontimeout="(\w+)" next="earlyBye"><action>(.*?)<\/action><\/recv>\n  <label id="\2"\/>/g)];

  it('turns every pause and media wait into a BYE reception with a timeout, answered 200 in one shared block', () => {
    const { xml } = uas().answer().dtmf('2').pause(500).pause(0).waitForHangup(20_000).build('/d');
    expect(xml).not.toMatch(/<pause milliseconds="[1-9]/);
    expect(xml).toContain('<pause milliseconds="0"/>'); // timeout="0" would wait forever
    const found = waits(xml);
    expect(found.map((m) => Number(m[1]))).toEqual([LEAD_IN_MS + dtmfStepMs('2'), 500]);
    // only waitForHangup left: a BYE is the expected end, no hangup-early, no failure
    for (const m of found) expect(m[3]).toBe('<log message="@@|[call_number]|[timestamp]|bye-received|"/>');
    expect(xml).toMatch(/<label id="earlyBye"\/>\n  <send><!\[CDATA\[\nSIP\/2\.0 200 OK\n\[last_Via:\][\s\S]*?<\/send>\n  <nop next="end"\/>/);
    expect(xml).not.toContain('failed');
  });

  it('writes hangup-early <step> and fails the call when more than waiting was left', () => {
    const { xml } = caller().pause(100).dtmf('1').speak(200).hangup().build('/d');
    const found = waits(xml).map((m) => m[3]!);
    expect(found).toHaveLength(3);
    for (const [i, step] of ['pause', 'dtmf', 'speak'].entries()) {
      expect(found[i]).toContain(`|hangup-early|${step}"/>`);
      // the failure comes last: SIPp skips the actions after a failed check
      expect(found[i]).toMatch(/hangup-early\|\w+"\/><ereg regexp="SIPP-FORCED-CALL-FAILURE[^"]*" search_in="msg" check_it="true" assign_to="failed"\/>$/);
    }
    expect(xml).toContain('<Reference variables="failed"/>');
  });

  it('acceptEarlyHangup() keeps the hangup-early marker but not the failure', () => {
    const { xml } = caller().pause(100).dtmf('1').acceptEarlyHangup().build('/d');
    const found = waits(xml).map((m) => m[3]!);
    expect(found).toHaveLength(2);
    for (const actions of found) {
      expect(actions).toContain('|hangup-early|');
      expect(actions).not.toContain('check_it');
    }
  });

  it('a phone ringing takes a BYE on the early dialog too: 200, then 487 for the INVITE', () => {
    const { xml } = uas().ring(500).answer().waitForHangup(1000).build('/d');
    expect(xml).toContain('<recv request="BYE" optional="true" timeout="500" ontimeout="call1rang1" next="earlyByeRinging">');
    expect(xml).toContain('|hangup-early|ring"/>');
    expect(xml).toMatch(/<label id="earlyByeRinging"\/>[\s\S]*SIP\/2\.0 487 Request Terminated\nVia:\[\$inviteVia\]/);
    expect(xml).toContain('<ereg regexp=".*" search_in="hdr" header="Via:" assign_to="inviteVia"/>');
  });

  it('decides by the steps left: pauses and marks do not count, a last waitForHangup or neverAnswer is the expected end', () => {
    const steps = (...ts: string[]) => ts.map((t) => ({ t }));
    expect(earlyHangupAt(steps('pause', 'media', 'waitForHangup'), 1, false)).toEqual({ ok: true, cutShort: false });
    expect(earlyHangupAt(steps('media', 'pause', 'mark', 'waitForHangup'), 0, false)).toEqual({ ok: true, cutShort: false });
    expect(earlyHangupAt(steps('pause', 'media', 'waitForHangup'), 0, false)).toEqual({ ok: false, cutShort: true });
    expect(earlyHangupAt(steps('pause', 'hangup'), 0, false)).toEqual({ ok: false, cutShort: true });
    expect(earlyHangupAt(steps('pause', 'hangup'), 0, true)).toEqual({ ok: true, cutShort: true });
    expect(earlyHangupAt(steps('ring', 'answer', 'waitForHangup'), 0, false)).toEqual({ ok: false, cutShort: true });
    expect(earlyHangupAt(steps('neverAnswer'), 0, false)).toEqual({ ok: true, cutShort: false });
  });
});

describe('runner parsing', () => {
  it('reads marker lines with SIPp timestamps', () => {
    const line = '@@|2|2026-11-24\t10:30:04.120224\t1795516204.120224|dtmf|12#';
    expect(parseEventLine(line, 1795516204000)).toEqual({ call: 2, atMs: 1795516204120.224, sinceStartMs: 120.224, name: 'dtmf', detail: '12#' });
    expect(parseEventLine('other line', 0)).toBeUndefined();
  });

  it('reads cumulative call counts from the statistics screen', () => {
    const screen = '  Successful call        |        0                  |        2 \n  Failed call            |        1                  |        3 \n';
    expect(parseCallCounts(screen)).toEqual({ successful: 2, failed: 3 });
  });
});
