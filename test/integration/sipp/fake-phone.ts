/**
 * A minimal SIP phone in Node for checking what a SIPp caller sends: answers
 * an INVITE with 200 OK and an SDP pointing at its own RTP socket, answers BYE,
 * and records every RTP packet that arrives. Test helper only (no
 * retransmissions, no CANCEL): loopback loses nothing.
 */
import dgram from 'node:dgram';
import { parseRtp, type RtpHeader } from '../../../tools/sipp/rtp.ts';

export interface ReceivedRtp extends RtpHeader {
  atMs: number;
}

export interface FakePhone {
  sipPort: number;
  rtpPort: number;
  rtp: ReceivedRtp[];
  /** Resolves when a BYE came (and was answered). */
  bye: Promise<void>;
  close(): Promise<void>;
}

function headerLines(message: string, name: string): string[] {
  const re = new RegExp(`^${name}\\s*:`, 'i');
  return message.split('\r\n').filter((l) => re.test(l));
}

export async function startFakePhone(): Promise<FakePhone> {
  const sip = dgram.createSocket('udp4');
  const media = dgram.createSocket('udp4');
  await Promise.all([
    new Promise<void>((resolve) => sip.bind(0, '127.0.0.1', () => resolve())),
    new Promise<void>((resolve) => media.bind(0, '127.0.0.1', () => resolve())),
  ]);
  const sipPort = sip.address().port;
  const rtpPort = media.address().port;
  const rtp: ReceivedRtp[] = [];
  media.on('message', (packet) => {
    try {
      rtp.push({ ...parseRtp(packet), payload: Buffer.from(parseRtp(packet).payload), atMs: Date.now() });
    } catch {
      // not RTP
    }
  });
  let byeReceived!: () => void;
  const bye = new Promise<void>((resolve) => (byeReceived = resolve));

  sip.on('message', (data, from) => {
    const message = data.toString();
    const requestLine = message.split('\r\n', 1)[0] ?? '';
    const method = /^([A-Z]+) /.exec(requestLine)?.[1];
    if (!method || method === 'ACK') return;
    const copied = [...headerLines(message, 'Via'), ...headerLines(message, 'From'), ...headerLines(message, 'Call-ID'), ...headerLines(message, 'CSeq')];
    const to = headerLines(message, 'To')[0] ?? 'To: <sip:phone@127.0.0.1>';
    const toWithTag = /;tag=/.test(to) ? to : `${to};tag=fake${Date.now()}`;
    let body = '';
    const extra: string[] = [];
    if (method === 'INVITE') {
      body = [
        'v=0',
        'o=- 1 1 IN IP4 127.0.0.1',
        's=fake',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        `m=audio ${rtpPort} RTP/AVP 0 101`,
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        '',
      ].join('\r\n');
      extra.push(`Contact: <sip:phone@127.0.0.1:${sipPort}>`, 'Content-Type: application/sdp');
    }
    const response = ['SIP/2.0 200 OK', ...copied, toWithTag, ...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
    sip.send(response, from.port, from.address);
    if (method === 'BYE') byeReceived();
  });

  return {
    sipPort,
    rtpPort,
    rtp,
    bye,
    close: async () => {
      await Promise.all([
        new Promise<void>((resolve) => sip.close(() => resolve())),
        new Promise<void>((resolve) => media.close(() => resolve())),
      ]);
    },
  };
}

/** The keys of the RFC 4733 events received: one per event timestamp, in order, with whether it ended. */
export function receivedKeys(packets: readonly ReceivedRtp[]): { key: string; ended: boolean; timestamp: number }[] {
  const names = '0123456789*#ABCD';
  const events: { key: string; ended: boolean; timestamp: number }[] = [];
  for (const p of packets) {
    if (p.payloadType !== 101) continue;
    const key = names[p.payload[0]!] ?? '?';
    const ended = (p.payload[1]! & 0x80) !== 0;
    const last = events[events.length - 1];
    if (last && last.timestamp === p.timestamp) last.ended ||= ended;
    else events.push({ key, ended, timestamp: p.timestamp });
  }
  return events;
}
