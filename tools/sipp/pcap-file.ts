/**
 * Reading and writing the small pcap files SIPp plays with
 * `<exec play_pcap_audio="…"/>` (the RTP in them comes from rtp.ts, g711.ts
 * and dtmf.ts).
 *
 * Why the scenarios generate their own pcaps instead of playing the stock
 * `/usr/share/sip-tester/dtmf_2833_<d>.pcap` files: the stock files are cut
 * from one capture (one SSRC, each key with its own fixed sequence numbers and
 * RTP timestamp) and SIPp replays packets byte for byte (it only rewrites the
 * UDP ports). Pressing a key twice in a call therefore repeats old sequence
 * numbers and the same event timestamp, and some orders go backwards (9 then
 * 0), which a receiver such as Asterisk may drop as duplicates or old packets.
 * The generated pcaps continue one RTP stream per call: one SSRC, rising
 * sequence numbers and timestamps, a new event timestamp per
 * digit. The voice clip is the stock g711a.pcap audio (PCMA, payload type 8)
 * turned into PCMU (payload type 0) so it matches the PCMU offer.
 */
import { readFileSync } from 'node:fs';
import { parseRtp, type TimedRtp } from './rtp.ts';

export const SIPP_PCAP_DIR = '/usr/share/sip-tester';

/** `dtmf_2833_<name>.pcap` for a DTMF key ('#' is pound, '*' is star). */
export function stockDtmfPcap(digit: string): string {
  const name = digit === '#' ? 'pound' : digit === '*' ? 'star' : digit;
  if (!/^(?:[0-9]|pound|star)$/.test(name)) throw new Error(`no stock DTMF pcap for ${JSON.stringify(digit)}`);
  return `${SIPP_PCAP_DIR}/dtmf_2833_${name}.pcap`;
}
export const STOCK_VOICE_PCAP = `${SIPP_PCAP_DIR}/g711a.pcap`;

/**
 * Measured from the files (see readPcapInfo and test/unit/sipp/pcap.test.ts):
 * each stock DTMF pcap is 10 RFC 2833 packets (payload type 101) over 140 ms:
 * 8 packets 20 ms apart, the end packet repeated twice at the same instant. Its
 * event duration field says 280 ms (2240 samples).
 */
export const STOCK_DTMF_PCAP_MS = 140;
/** g711a.pcap: 236 PCMA packets of 30 ms (240 bytes), first to last 7050 ms apart: 7080 ms of audio. */
export const STOCK_VOICE_PCAP_MS = 7080;

export interface PcapPacket {
  /** Capture time in microseconds since the epoch. */
  timeUs: number;
  /** The UDP payload (for RTP pcaps: the RTP packet). */
  udpPayload: Buffer;
  srcPort: number;
  dstPort: number;
}

/** The UDP packets of a pcap file (Ethernet or Linux cooked capture, IPv4). */
export function readPcap(data: Buffer): PcapPacket[] {
  if (data.length < 24) throw new Error('not a pcap file: too short');
  const magicLE = data.readUInt32LE(0);
  let le: boolean;
  let nano = false;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else if (data.readUInt32BE(0) === 0xa1b2c3d4 || data.readUInt32BE(0) === 0xa1b23c4d) {
    le = false;
    nano = data.readUInt32BE(0) === 0xa1b23c4d;
  } else {
    throw new Error('not a pcap file (pcapng is not supported)');
  }
  const u32 = (o: number) => (le ? data.readUInt32LE(o) : data.readUInt32BE(o));
  const linkType = u32(20);
  const linkHeader = linkType === 1 ? 14 : linkType === 113 ? 16 : -1;
  if (linkHeader < 0) throw new Error(`unsupported pcap link type ${linkType}`);
  const packets: PcapPacket[] = [];
  let off = 24;
  while (off + 16 <= data.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    const frame = data.subarray(off + 16, off + 16 + incl);
    off += 16 + incl;
    const etherType = frame.readUInt16BE(linkHeader - 2);
    if (etherType !== 0x0800) continue;
    const ip = frame.subarray(linkHeader);
    if ((ip[0]! >> 4) !== 4 || ip[9] !== 17) continue;
    const udp = ip.subarray((ip[0]! & 0x0f) * 4);
    const udpLength = udp.readUInt16BE(4);
    packets.push({
      timeUs: sec * 1e6 + (nano ? Math.floor(frac / 1000) : frac),
      srcPort: udp.readUInt16BE(0),
      dstPort: udp.readUInt16BE(2),
      udpPayload: Buffer.from(udp.subarray(8, udpLength)),
    });
  }
  return packets;
}

export interface PcapInfo {
  packets: number;
  /** Time from the first packet to the last: how long SIPp's play_pcap_audio runs. */
  spanMs: number;
  /** Audio carried (G.711 payload bytes / 8 per ms); 0 for a pcap of telephone events only. */
  audioMs: number;
  payloadTypes: number[];
}

/** Durations of a pcap, the way SIPp plays it (it keeps the capture's packet spacing). */
export function readPcapInfo(path: string): PcapInfo {
  const packets = readPcap(readFileSync(path));
  const first = packets[0];
  const last = packets[packets.length - 1];
  let audioBytes = 0;
  const types = new Set<number>();
  for (const p of packets) {
    try {
      const rtp = parseRtp(p.udpPayload);
      types.add(rtp.payloadType);
      if (rtp.payloadType === 0 || rtp.payloadType === 8) audioBytes += rtp.payload.length;
    } catch {
      // not RTP: counts for the span only
    }
  }
  return {
    packets: packets.length,
    spanMs: first && last ? Math.round((last.timeUs - first.timeUs) / 1000) : 0,
    audioMs: audioBytes / 8,
    payloadTypes: [...types].sort((a, b) => a - b),
  };
}

/**
 * A pcap file (Ethernet, IPv4, UDP 127.0.0.1:6000 → 127.0.0.1:6000) holding the
 * RTP packets at their times. SIPp keeps only the UDP part and rewrites the
 * ports to the call's media ports.
 */
export function writePcap(packets: TimedRtp[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(65535, 16);
  header.writeUInt32LE(1, 20); // Ethernet
  const parts: Buffer[] = [header];
  const baseUs = 1_700_000_000 * 1e6;
  packets.forEach((p, i) => {
    const udpLength = 8 + p.rtp.length;
    const frame = Buffer.alloc(14 + 20 + udpLength);
    frame.writeUInt16BE(0x0800, 12);
    const ip = 14;
    frame[ip] = 0x45;
    frame.writeUInt16BE(20 + udpLength, ip + 2);
    frame.writeUInt16BE(i & 0xffff, ip + 4);
    frame[ip + 8] = 64;
    frame[ip + 9] = 17;
    frame.writeUInt32BE(0x7f000001, ip + 12);
    frame.writeUInt32BE(0x7f000001, ip + 16);
    let sum = 0;
    for (let o = 0; o < 20; o += 2) sum += frame.readUInt16BE(ip + o);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    frame.writeUInt16BE(~sum & 0xffff, ip + 10);
    const udp = ip + 20;
    frame.writeUInt16BE(6000, udp);
    frame.writeUInt16BE(6000, udp + 2);
    frame.writeUInt16BE(udpLength, udp + 4);
    p.rtp.copy(frame, udp + 8);
    const record = Buffer.alloc(16);
    const t = baseUs + Math.round(p.atMs * 1000);
    record.writeUInt32LE(Math.floor(t / 1e6), 0);
    record.writeUInt32LE(t % 1e6, 4);
    record.writeUInt32LE(frame.length, 8);
    record.writeUInt32LE(frame.length, 12);
    parts.push(record, frame);
  });
  return Buffer.concat(parts);
}
