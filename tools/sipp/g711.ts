import { readFileSync } from 'node:fs';
import { isTelephoneFormat, parseWav } from '../../src/audio/wav.ts';
import { readPcap, STOCK_VOICE_PCAP } from './pcap-file.ts';
import { parseRtp, PCMU, PTIME_MS, rtpPacket, SAMPLES_PER_PACKET, type RtpStream, type TimedRtp } from './rtp.ts';

/** G.711 (A-law and µ-law) samples, and the voice the scenarios play. */

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
  let wav;
  try {
    wav = parseWav(readFileSync(path));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  if (!isTelephoneFormat(wav)) {
    throw new Error(`${path}: needs 8 kHz mono 16-bit PCM, got ${JSON.stringify({ tag: wav.format, channels: wav.channels, rate: wav.sampleRate, bits: wav.bitsPerSample })}`);
  }
  const out = Buffer.alloc(Math.floor(wav.pcm.length / 2));
  for (let i = 0; i < out.length; i++) out[i] = linearToUlaw(wav.pcm.readInt16LE(i * 2));
  return out;
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
