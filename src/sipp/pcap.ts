/**
 * Reading and writing the small pcap files SIPp plays with
 * `<exec play_pcap_audio="…"/>`, and making the RTP that goes into them.
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

export interface RtpHeader {
  payloadType: number;
  marker: boolean;
  seq: number;
  timestamp: number;
  ssrc: number;
  payload: Buffer;
}

export function parseRtp(packet: Buffer): RtpHeader {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) throw new Error('not an RTP packet');
  const csrcCount = packet[0]! & 0x0f;
  let headerLength = 12 + csrcCount * 4;
  if (packet[0]! & 0x10) headerLength += 4 + packet.readUInt16BE(headerLength + 2) * 4;
  let end = packet.length;
  if (packet[0]! & 0x20) end -= packet[packet.length - 1]!;
  return {
    payloadType: packet[1]! & 0x7f,
    marker: (packet[1]! & 0x80) !== 0,
    seq: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payload: packet.subarray(headerLength, end),
  };
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

// ---------------------------------------------------------------- G.711

export function alawToLinear(a: number): number {
  a ^= 0x55;
  let t = (a & 0x0f) << 4;
  const seg = (a & 0x70) >> 4;
  if (seg === 0) t += 8;
  else {
    t += 0x108;
    if (seg > 1) t <<= seg - 1;
  }
  return a & 0x80 ? t : -t;
}

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

export function linearToUlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.round(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  if (s > ULAW_CLIP) s = ULAW_CLIP;
  s += ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; exponent--, mask >>= 1);
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function ulawToLinear(u: number): number {
  u = ~u & 0xff;
  const sign = u & 0x80;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const sample = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return sign ? -sample : sample;
}

export const ULAW_SILENCE = 0xff;

let stockVoiceCache: Buffer | undefined;

/** The audio of the stock g711a.pcap as µ-law samples (8000 per second). */
export function stockVoiceUlaw(): Buffer {
  if (!stockVoiceCache) {
    const chunks = readPcap(readFileSync(STOCK_VOICE_PCAP)).map((p) => parseRtp(p.udpPayload).payload);
    const alaw = Buffer.concat(chunks);
    const out = Buffer.alloc(alaw.length);
    for (let i = 0; i < alaw.length; i++) out[i] = linearToUlaw(alawToLinear(alaw[i]!));
    stockVoiceCache = out;
  }
  return stockVoiceCache;
}

/** µ-law samples of a WAV file that is 8 kHz, mono, 16-bit PCM (`sox in.wav -r 8000 -c 1 -b 16 out.wav`). */
export function wavToUlaw(path: string): Buffer {
  const data = readFileSync(path);
  if (data.toString('ascii', 0, 4) !== 'RIFF' || data.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error(`${path}: not a WAV file`);
  }
  let off = 12;
  let format: { tag: number; channels: number; rate: number; bits: number } | undefined;
  while (off + 8 <= data.length) {
    const id = data.toString('ascii', off, off + 4);
    const size = data.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      format = {
        tag: data.readUInt16LE(body),
        channels: data.readUInt16LE(body + 2),
        rate: data.readUInt32LE(body + 4),
        bits: data.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format || format.tag !== 1 || format.channels !== 1 || format.rate !== 8000 || format.bits !== 16) {
        throw new Error(`${path}: needs 8 kHz mono 16-bit PCM, got ${JSON.stringify(format)}`);
      }
      const end = Math.min(data.length, body + size);
      const out = Buffer.alloc(Math.floor((end - body) / 2));
      for (let i = 0; i < out.length; i++) out[i] = linearToUlaw(data.readInt16LE(body + i * 2));
      return out;
    }
    off = body + size + (size & 1);
  }
  throw new Error(`${path}: no data chunk`);
}

// ---------------------------------------------------------------- RTP and pcap writing

/** One RTP stream (SSRC, next sequence number and timestamp), continued across the clips of a call. */
export interface RtpStream {
  ssrc: number;
  seq: number;
  timestamp: number;
}

export function newRtpStream(): RtpStream {
  return {
    ssrc: (Math.random() * 0xffffffff) >>> 0,
    seq: 1000 + Math.floor(Math.random() * 20000),
    timestamp: 8000 * (1 + Math.floor(Math.random() * 1000)),
  };
}

export function rtpPacket(h: Omit<RtpHeader, 'payload'> & { payload: Buffer }): Buffer {
  const b = Buffer.alloc(12 + h.payload.length);
  b[0] = 0x80;
  b[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  b.writeUInt16BE(h.seq & 0xffff, 2);
  b.writeUInt32BE(h.timestamp >>> 0, 4);
  b.writeUInt32BE(h.ssrc >>> 0, 8);
  h.payload.copy(b, 12);
  return b;
}

export interface TimedRtp {
  /** Milliseconds after the start of the clip. */
  atMs: number;
  rtp: Buffer;
}

export interface Clip {
  packets: TimedRtp[];
  /** How long play_pcap_audio takes to send it (first to last packet). */
  spanMs: number;
}

export const PCMU = 0;
export const TELEPHONE_EVENT = 101;
const PTIME_MS = 20;
const SAMPLES_PER_PACKET = 160;

/** RFC 4733 event codes. */
export function dtmfEventCode(digit: string): number {
  if (/^[0-9]$/.test(digit)) return Number(digit);
  const code = { '*': 10, '#': 11, A: 12, B: 13, C: 14, D: 15 }[digit.toUpperCase()];
  if (code === undefined) throw new Error(`not a DTMF key: ${JSON.stringify(digit)}`);
  return code;
}

/** µ-law audio packets, 20 ms each, continuing `stream`. */
export function voicePackets(stream: RtpStream, ulaw: Buffer, startMs = 0): TimedRtp[] {
  const packets: TimedRtp[] = [];
  for (let i = 0, n = 0; i < ulaw.length; i += SAMPLES_PER_PACKET, n++) {
    let payload = ulaw.subarray(i, i + SAMPLES_PER_PACKET);
    if (payload.length < SAMPLES_PER_PACKET) {
      payload = Buffer.concat([payload, Buffer.alloc(SAMPLES_PER_PACKET - payload.length, ULAW_SILENCE)]);
    }
    packets.push({
      atMs: startMs + n * PTIME_MS,
      rtp: rtpPacket({ payloadType: PCMU, marker: n === 0, seq: stream.seq++, timestamp: stream.timestamp, ssrc: stream.ssrc, payload }),
    });
    stream.timestamp += SAMPLES_PER_PACKET;
  }
  return packets;
}

export interface DtmfTiming {
  /** How long each key is held (default 160 ms). */
  toneMs?: number;
  /** Silence between keys (default 100 ms). */
  gapMs?: number;
}

export const DTMF_TONE_MS = 160;
export const DTMF_GAP_MS = 100;
/** The end packet of each key is sent three times (RFC 4733 2.5.1.4), 20 ms apart. */
const END_REPEATS = 3;

/**
 * RFC 4733 telephone-event packets for `digits`, one event after another with a
 * gap, continuing `stream`: each key gets its own event timestamp; its packets
 * every 20 ms carry the growing duration, the marker bit on the first, the end
 * bit on the last (sent three times with the same sequence number).
 */
export function dtmfPackets(stream: RtpStream, digits: string, timing: DtmfTiming = {}, startMs = 0): TimedRtp[] {
  const toneMs = timing.toneMs ?? DTMF_TONE_MS;
  const gapMs = timing.gapMs ?? DTMF_GAP_MS;
  const steps = Math.max(1, Math.round(toneMs / PTIME_MS));
  const packets: TimedRtp[] = [];
  let at = startMs;
  [...digits].forEach((digit, index) => {
    const event = dtmfEventCode(digit);
    const eventTs = stream.timestamp;
    for (let k = 0; k < steps; k++) {
      const last = k === steps - 1;
      const payload = Buffer.alloc(4);
      payload[0] = event;
      payload[1] = (last ? 0x80 : 0) | 10; // E bit, volume -10 dBm0
      payload.writeUInt16BE((k + 1) * SAMPLES_PER_PACKET, 2);
      const seq = stream.seq++;
      for (let r = 0; r < (last ? END_REPEATS : 1); r++) {
        packets.push({
          atMs: at + (k + r) * PTIME_MS,
          rtp: rtpPacket({ payloadType: TELEPHONE_EVENT, marker: k === 0, seq, timestamp: eventTs, ssrc: stream.ssrc, payload }),
        });
      }
    }
    stream.timestamp += (steps * PTIME_MS + gapMs) * 8;
    if (index < digits.length - 1) at += steps * PTIME_MS + gapMs;
  });
  return packets;
}

export function clipOf(packets: TimedRtp[]): Clip {
  const first = packets[0]?.atMs ?? 0;
  const last = packets[packets.length - 1]?.atMs ?? 0;
  return { packets, spanMs: last - first };
}

/** How long play_pcap_audio takes for a generated DTMF clip of `count` keys (lead-in excluded). */
export function dtmfSpanMs(count: number, timing: DtmfTiming = {}): number {
  const toneMs = Math.max(1, Math.round((timing.toneMs ?? DTMF_TONE_MS) / PTIME_MS)) * PTIME_MS;
  const gapMs = timing.gapMs ?? DTMF_GAP_MS;
  return (count - 1) * (toneMs + gapMs) + toneMs - PTIME_MS + (END_REPEATS - 1) * PTIME_MS;
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
