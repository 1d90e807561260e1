import { describe, expect, it } from 'vitest';
import { speechMs } from '../../../src/audio/speech.ts';
import { parseWav, toneWav } from '../../../src/audio/wav.ts';

const pcmOf = (wav: Buffer) => parseWav(wav).pcm;
/** 16-bit PCM at 8 kHz: `ms` of random noise of peak `amplitude`. */
function noise(ms: number, amplitude: number): Buffer {
  const samples = Math.round(ms * 8);
  const pcm = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) pcm.writeInt16LE(Math.round((Math.random() * 2 - 1) * amplitude), i * 2);
  return pcm;
}

describe('speechMs: how much of a recording is speech', () => {
  it('a tone (speech stand-in) counts whole; silence counts nothing', () => {
    expect(speechMs(pcmOf(toneWav(2000)))).toBe(2000);
    expect(speechMs(Buffer.alloc(16000 * 10))).toBe(0);
  });

  it('line hiss under the talk-detection floor is not speech', () => {
    expect(speechMs(noise(10_000, 300))).toBe(0);
  });

  it('counts only the loud stretches of a recording', () => {
    const pcm = Buffer.concat([Buffer.alloc(16000 * 3), pcmOf(toneWav(1500)), noise(4000, 200)]);
    expect(speechMs(pcm)).toBe(1500);
  });
});
