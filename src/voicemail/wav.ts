/**
 * Just enough of RIFF/WAVE to check a recording before we trust it: the
 * format chunk and the length of the data chunk. Asterisk writes 16-bit PCM
 * mono WAV at 8 kHz ("wav" format); a file cut short by a crash may carry a
 * data size larger than what is really there, so the size is taken from the
 * bytes present.
 */

export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Bytes of audio actually present. */
  dataBytes: number;
  durationMs: number;
}

export class WavError extends Error {
  override name = 'WavError';
}

export function parseWav(buf: Buffer): WavInfo {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF' || buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new WavError('not a RIFF/WAVE file');
  }
  let offset = 12;
  let fmt: Omit<WavInfo, 'dataBytes' | 'durationMs'> | null = null;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) throw new WavError('format chunk cut short');
      const audioFormat = buf.readUInt16LE(body);
      if (audioFormat !== 1) throw new WavError(`not PCM (format ${audioFormat})`);
      fmt = { channels: buf.readUInt16LE(body + 2), sampleRate: buf.readUInt32LE(body + 4), bitsPerSample: buf.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      if (!fmt) throw new WavError('data chunk before the format chunk');
      const dataBytes = Math.min(size, buf.length - body);
      const bytesPerSecond = fmt.sampleRate * fmt.channels * (fmt.bitsPerSample / 8);
      if (bytesPerSecond <= 0) throw new WavError('format chunk has no sample rate');
      return { ...fmt, dataBytes, durationMs: Math.round((dataBytes / bytesPerSecond) * 1000) };
    }
    offset = body + size + (size % 2);
  }
  throw new WavError('no data chunk');
}

/** A 16-bit mono PCM WAV file around `samples` (for tests and fakes). */
export function makeWav(samples: Int16Array, sampleRate = 8000): Buffer {
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** A tone of `ms` milliseconds (a stand-in for speech in tests and fakes). */
export function toneWav(ms: number, hz = 440, sampleRate = 8000): Buffer {
  const n = Math.round((ms / 1000) * sampleRate);
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / sampleRate));
  return makeWav(samples, sampleRate);
}
