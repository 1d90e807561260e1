/** RTP packets: parsing what a peer sent, and building the streams SIPp plays (one SSRC per call). */

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

/** RTP payload type of G.711 µ-law. */
export const PCMU = 0;
/** Packet time and samples per packet of G.711 at 8 kHz. */
export const PTIME_MS = 20;
export const SAMPLES_PER_PACKET = 160;

export function clipOf(packets: TimedRtp[]): Clip {
  const first = packets[0]?.atMs ?? 0;
  const last = packets[packets.length - 1]?.atMs ?? 0;
  return { packets, spanMs: last - first };
}
