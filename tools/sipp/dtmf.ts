import { PTIME_MS, rtpPacket, SAMPLES_PER_PACKET, type RtpStream, type TimedRtp } from './rtp.ts';

/** RFC 4733 telephone events: the DTMF keys the scenarios send. */

export const TELEPHONE_EVENT = 101;

/** RFC 4733 event codes. */
export function dtmfEventCode(digit: string): number {
  if (/^[0-9]$/.test(digit)) return Number(digit);
  const code = { '*': 10, '#': 11, A: 12, B: 13, C: 14, D: 15 }[digit.toUpperCase()];
  if (code === undefined) throw new Error(`not a DTMF key: ${JSON.stringify(digit)}`);
  return code;
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

/** How long play_pcap_audio takes for a generated DTMF clip of `count` keys (lead-in excluded). */
export function dtmfSpanMs(count: number, timing: DtmfTiming = {}): number {
  const toneMs = Math.max(1, Math.round((timing.toneMs ?? DTMF_TONE_MS) / PTIME_MS)) * PTIME_MS;
  const gapMs = timing.gapMs ?? DTMF_GAP_MS;
  return (count - 1) * (toneMs + gapMs) + toneMs - PTIME_MS + (END_REPEATS - 1) * PTIME_MS;
}
