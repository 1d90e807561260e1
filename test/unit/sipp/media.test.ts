import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pcmToWav, TELEPHONE_FORMAT } from '../../../src/audio/wav.ts';
import { dtmfPackets, dtmfSpanMs } from '../../../tools/sipp/dtmf.ts';
import { alawToLinear, linearToUlaw, stockVoiceUlaw, ulawToLinear, voicePackets, wavToUlaw } from '../../../tools/sipp/g711.ts';
import { STOCK_DTMF_PCAP_MS, STOCK_VOICE_PCAP, STOCK_VOICE_PCAP_MS, readPcap, readPcapInfo, stockDtmfPcap, writePcap } from '../../../tools/sipp/pcap-file.ts';
import { newRtpStream, parseRtp } from '../../../tools/sipp/rtp.ts';

const dir = mkdtempSync(join(tmpdir(), 'pcap-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('stock SIPp pcaps (sip-tester package, installed with SIPp)', () => {
  it('each DTMF pcap is 10 RFC 2833 packets over 140 ms, cut from one capture (one SSRC, fixed seq/timestamp)', () => {
    const keys = [...'0123456789', '#', '*'];
    const ssrcs = new Set<number>();
    const starts: { key: string; seq: number; timestamp: number }[] = [];
    for (const key of keys) {
      expect(readPcapInfo(stockDtmfPcap(key))).toEqual({ packets: 10, spanMs: STOCK_DTMF_PCAP_MS, audioMs: 0, payloadTypes: [101] });
      const rtp = readPcap(readFileSync(stockDtmfPcap(key))).map((p) => parseRtp(p.udpPayload));
      for (const p of rtp) ssrcs.add(p.ssrc);
      expect(new Set(rtp.map((p) => p.timestamp)).size).toBe(1);
      starts.push({ key, seq: rtp[0]!.seq, timestamp: rtp[0]!.timestamp });
    }
    expect(ssrcs.size).toBe(1);
    // Why the scenarios generate their own DTMF: replaying a key repeats its sequence numbers and
    // timestamp, and some orders go backwards (9 then 0: the timestamp drops).
    const nine = starts.find((s) => s.key === '9')!;
    const zero = starts.find((s) => s.key === '0')!;
    expect(zero.timestamp).toBeLessThan(nine.timestamp);
  });

  it('g711a.pcap is 236 PCMA packets of 30 ms: 7050 ms from first to last, 7080 ms of audio', () => {
    expect(readPcapInfo(STOCK_VOICE_PCAP)).toEqual({ packets: 236, spanMs: 7050, audioMs: STOCK_VOICE_PCAP_MS, payloadTypes: [8] });
    expect(stockVoiceUlaw().length).toBe(STOCK_VOICE_PCAP_MS * 8);
  });

  it('maps # and * to _pound and _star', () => {
    expect(stockDtmfPcap('#')).toMatch(/dtmf_2833_pound\.pcap$/);
    expect(stockDtmfPcap('*')).toMatch(/dtmf_2833_star\.pcap$/);
    expect(() => stockDtmfPcap('A')).toThrow();
  });
});

describe('G.711', () => {
  it('µ-law round-trips within its quantisation step', () => {
    for (const x of [0, 1, 100, -100, 1000, -5000, 20000, -32768, 32767]) {
      const back = ulawToLinear(linearToUlaw(x));
      expect(Math.abs(back - x)).toBeLessThanOrEqual(Math.max(8, Math.abs(x) / 16));
    }
    expect(linearToUlaw(0)).toBe(0xff);
  });

  it('decodes A-law', () => {
    expect(alawToLinear(0xd5)).toBe(8);
    expect(alawToLinear(0x55)).toBe(-8);
    expect(Math.abs(alawToLinear(0xaa))).toBe(32256);
  });
});

describe('generated RTP', () => {
  it('continues one stream across DTMF clips: rising sequence numbers, a new event timestamp per key', () => {
    const stream = newRtpStream();
    const first = dtmfPackets(stream, '1');
    const second = dtmfPackets(stream, '1#');
    const all = [...first, ...second].map((p) => parseRtp(p.rtp));
    expect(new Set(all.map((p) => p.ssrc)).size).toBe(1);
    for (let i = 1; i < all.length; i++) expect(all[i]!.seq).toBeGreaterThanOrEqual(all[i - 1]!.seq);
    const events = [...new Map(all.map((p) => [p.timestamp, p.payload[0]])).entries()];
    expect(events.map(([, e]) => e)).toEqual([1, 1, 11]);
    // Per key: 8 packets 20 ms apart (marker on the first), the end packet three times.
    const one = first.map((p) => parseRtp(p.rtp));
    expect(one).toHaveLength(10);
    expect(one[0]!.marker).toBe(true);
    expect(one.slice(7).every((p) => (p.payload[1]! & 0x80) !== 0 && p.seq === one[7]!.seq)).toBe(true);
    expect(one[7]!.payload.readUInt16BE(2)).toBe(1280);
    expect(first.map((p) => p.atMs)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(dtmfSpanMs(1)).toBe(180);
    expect(second[second.length - 1]!.atMs).toBe(dtmfSpanMs(2));
  });

  it('writes pcaps SIPp can read back (Ethernet/IPv4/UDP) with the packet times kept', () => {
    const stream = newRtpStream();
    const packets = [...voicePackets(stream, Buffer.alloc(800, 0xff)), ...dtmfPackets(stream, '5', {}, 100)];
    const path = join(dir, 'clip.pcap');
    writeFileSync(path, writePcap(packets));
    const info = readPcapInfo(path);
    expect(info.packets).toBe(15);
    expect(info.spanMs).toBe(280);
    expect(info.audioMs).toBe(100);
    expect(info.payloadTypes).toEqual([0, 101]);
  });

  it('reads 8 kHz mono 16-bit WAV files and refuses others', () => {
    const wav = (rate: number, samples: number[]) => {
      const data = Buffer.alloc(samples.length * 2);
      samples.forEach((s, i) => data.writeInt16LE(s, i * 2));
      return pcmToWav(data, { ...TELEPHONE_FORMAT, sampleRate: rate });
    };
    writeFileSync(join(dir, 'ok.wav'), wav(8000, [0, 1000, -1000]));
    writeFileSync(join(dir, 'bad.wav'), wav(16000, [0]));
    expect([...wavToUlaw(join(dir, 'ok.wav'))]).toEqual([0xff, linearToUlaw(1000), linearToUlaw(-1000)]);
    expect(() => wavToUlaw(join(dir, 'bad.wav'))).toThrow(/8 kHz mono 16-bit/);
  });
});
