/**
 * WAV in memory, the one place the project reads and writes RIFF/WAVE: cloud
 * TTS engines return audio as bytes, Asterisk wants 8 kHz 16-bit mono PCM with
 * a plain 44-byte header, and a voicemail is checked before it is trusted. A
 * file cut short (a crash, a streaming writer) carries a data size larger than
 * what is there: the size is taken from the bytes present.
 */

export class WavError extends Error {
  override name = 'WavError';
}

export interface PcmFormat {
  /** Audio format code: 1 = PCM. */
  format: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
}

export interface ParsedWav extends PcmFormat {
  pcm: Buffer;
}

export const TELEPHONE_FORMAT: PcmFormat = { format: 1, sampleRate: 8000, channels: 1, bitsPerSample: 16 };

/** Splits a RIFF/WAVE buffer into its format and its sample data; throws on anything else. */
export function parseWav(buf: Buffer): ParsedWav {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let offset = 12;
  let fmt: PcmFormat | undefined;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const len = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + 16 > buf.length) throw new WavError('format chunk cut short');
      fmt = {
        format: buf.readUInt16LE(body),
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) throw new WavError('data chunk before the format chunk');
      // Streaming writers leave the size at 0 or 0xFFFFFFFF: then the data runs to the end.
      const available = buf.length - body;
      const size = len === 0 || len === 0xffffffff || len > available ? available : len;
      return { ...fmt, pcm: buf.subarray(body, body + size) };
    }
    offset = body + len + (len % 2);
  }
  throw new WavError('no data chunk');
}

export interface WavInfo extends PcmFormat {
  /** Bytes of audio actually present. */
  dataBytes: number;
  durationMs: number;
}

/** Format and length of a WAV buffer; throws WavError when it is not one. */
export function wavInfo(buf: Buffer): WavInfo {
  const { pcm, ...format } = parseWav(buf);
  const bytesPerSecond = format.sampleRate * format.channels * (format.bitsPerSample / 8);
  if (bytesPerSecond <= 0) throw new WavError('format chunk has no sample rate');
  return { ...format, dataBytes: pcm.length, durationMs: Math.round((pcm.length / bytesPerSecond) * 1000) };
}

/** A canonical 44-byte-header WAV around 16-bit little-endian PCM. */
export function pcmToWav(pcm: Buffer, format: PcmFormat = TELEPHONE_FORMAT): Buffer {
  const header = Buffer.alloc(44);
  const blockAlign = format.channels * (format.bitsPerSample / 8);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(format.format, 20);
  header.writeUInt16LE(format.channels, 22);
  header.writeUInt32LE(format.sampleRate, 24);
  header.writeUInt32LE(format.sampleRate * blockAlign, 28);
  header.writeUInt16LE(blockAlign, 32);
  header.writeUInt16LE(format.bitsPerSample, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}

export function isTelephoneFormat(f: PcmFormat): boolean {
  return (
    f.format === TELEPHONE_FORMAT.format &&
    f.sampleRate === TELEPHONE_FORMAT.sampleRate &&
    f.channels === TELEPHONE_FORMAT.channels &&
    f.bitsPerSample === TELEPHONE_FORMAT.bitsPerSample
  );
}

/**
 * Scales 16-bit PCM so its peak sits at `peakDb` dBFS, as the espeak-ng engine
 * does with sox: every prompt equally loud (SPK-02), whichever engine made it.
 */
export function normalizePeak(pcm: Buffer, peakDb: number): Buffer {
  const samples = Math.floor(pcm.length / 2);
  let peak = 0;
  for (let i = 0; i < samples; i++) peak = Math.max(peak, Math.abs(pcm.readInt16LE(i * 2)));
  if (peak === 0) return Buffer.from(pcm);
  const gain = (32767 * 10 ** (peakDb / 20)) / peak;
  const out = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const v = Math.round(pcm.readInt16LE(i * 2) * gain);
    out.writeInt16LE(Math.max(-32768, Math.min(32767, v)), i * 2);
  }
  return out;
}

/** A 440 Hz tone of `ms` milliseconds (a stand-in for speech in tests and fakes), in any 16-bit PCM format. */
export function toneWav(ms: number, format: PcmFormat = TELEPHONE_FORMAT, amplitude = 8000): Buffer {
  const frames = Math.round((ms / 1000) * format.sampleRate);
  const pcm = Buffer.alloc(frames * format.channels * 2);
  for (let i = 0; i < frames; i++) {
    const v = Math.round(amplitude * Math.sin((2 * Math.PI * 440 * i) / format.sampleRate));
    for (let c = 0; c < format.channels; c++) pcm.writeInt16LE(v, (i * format.channels + c) * 2);
  }
  return pcmToWav(pcm, format);
}
