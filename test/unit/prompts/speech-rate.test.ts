import { describe, expect, it } from 'vitest';
import { spokenUnits, voicedSpanMs } from '../../../src/prompts/speech-rate.ts';
import { pcmToWav } from '../../../src/audio/wav.ts';

describe('spokenUnits', () => {
  it('counts Han characters and digits, not punctuation or spaces', () => {
    expect(spokenUnits('如遇燃气泄漏或其他紧急情况，请立即按1。', 'zh-CN')).toEqual({ units: 18, unit: 'chars', mixed: false });
    expect(spokenUnits('抢险电话：九 五 幺 五 八。', 'zh-CN').units).toBe(9);
    expect(spokenUnits('人工服务请按0。For English, press 9.', 'zh-CN')).toMatchObject({ units: 8, mixed: true });
  });
  it('counts English words', () => {
    expect(spokenUnits("For a gas leak, press 1 now. We're here.", 'en-US')).toEqual({ units: 9, unit: 'words', mixed: false });
  });
});

describe('voicedSpanMs', () => {
  it('measures from the first to the last sound, not the silence around it', () => {
    const pcm = Buffer.alloc(8000 * 2 * 2); // 2 s at 8 kHz
    for (let i = 4000; i < 12000; i++) pcm.writeInt16LE(i % 2 ? 8000 : -8000, i * 2); // sound from 0.5 s to 1.5 s
    expect(voicedSpanMs(pcmToWav(pcm))).toBeCloseTo(1000, 0);
    expect(voicedSpanMs(pcmToWav(Buffer.alloc(1600)))).toBe(0);
  });
});
