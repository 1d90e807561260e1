import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingStore } from '../../../src/recordings/recording-store.ts';
import { pcmToWav, toneWav, WavError, wavInfo } from '../../../src/audio/wav.ts';
import { makeTempDir, removeDir } from '../../support/db-helpers.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const CREATED = new Date('2026-11-24T02:00:00.000Z');

/** A PCM WAV header + data with the given format fields (8 kHz). */
function wavWith(channels: number, bits: number, dataBytes = 1600): Buffer {
  const w = pcmToWav(Buffer.alloc(dataBytes));
  w.writeUInt16LE(channels, 22);
  w.writeUInt16LE(bits, 34);
  return w;
}

describe('RecordingStore', () => {
  let root: string;
  let store: RecordingStore;

  beforeEach(async () => {
    root = await makeTempDir('hotline-store-');
    store = new RecordingStore(path.join(root, 'recordings'));
  });
  afterEach(async () => removeDir(root));

  const files = async () =>
    (await readdir(store.root, { recursive: true, withFileTypes: true }).catch(() => []))
      .filter((d) => d.isFile())
      .map((d) => path.relative(store.root, path.join(d.parentPath, d.name)))
      .sort();

  it('stores a WAV under <yyyy>/<mm>/<ticket id>.wav and says what it stored', async () => {
    const id = randomUUID();
    const wav = toneWav(1500);
    const stored = await store.save(id, CREATED, wav);
    expect(stored).toEqual({ path: `2026/11/${id}.wav`, bytes: wav.length, ms: 1500, sha256: sha256(wav), speechMs: 1500 });
    expect(sha256(await readFile(store.resolve(stored.path)))).toBe(sha256(wav));
    expect(await store.size(stored.path)).toBe(wav.length);
    expect(await files()).toEqual([`2026/11/${id}.wav`]); // no temporary file left behind
  });

  it('storing the same audio again is harmless; different audio for the same ticket replaces it', async () => {
    const id = randomUUID();
    const first = await store.save(id, CREATED, toneWav(1000));
    expect(await store.save(id, CREATED, toneWav(1000))).toEqual(first);
    const other = toneWav(2000, undefined, 4000);
    const second = await store.save(id, CREATED, other);
    expect(second).toMatchObject({ path: first.path, ms: 2000, sha256: sha256(other) });
    expect(sha256(await readFile(store.resolve(second.path)))).toBe(sha256(other));
    expect(await files()).toEqual([first.path]);
  });

  it('refuses audio that is not a 16-bit mono PCM WAV, and stores nothing', async () => {
    const id = randomUUID();
    await expect(store.save(id, CREATED, Buffer.from('ID3\u0003 an mp3, not a wav'))).rejects.toBeInstanceOf(WavError);
    await expect(store.save(id, CREATED, Buffer.alloc(0))).rejects.toBeInstanceOf(WavError);
    await expect(store.save(id, CREATED, wavWith(2, 16))).rejects.toBeInstanceOf(WavError);
    await expect(store.save(id, CREATED, wavWith(1, 8))).rejects.toBeInstanceOf(WavError);
    const alaw = toneWav(500);
    alaw.writeUInt16LE(6, 20); // format 6: A-law, not PCM
    await expect(store.save(id, CREATED, alaw)).rejects.toThrow(/not PCM/);
    expect(await files()).toEqual([]);
  });

  it('refuses paths that leave its root', async () => {
    for (const rel of ['../outside.wav', '2026/../../outside.wav', '/etc/passwd', '', '.', `..${path.sep}recordings-evil/x.wav`]) {
      expect(() => store.resolve(rel), rel).toThrow(/outside the recording store/);
    }
    // A sibling folder whose name starts with the root's name is outside too.
    expect(() => store.resolve(path.join(root, 'recordings-evil', 'x.wav'))).toThrow(/outside the recording store/);
    expect(store.resolve('2026/11/a.wav')).toBe(path.join(store.root, '2026', '11', 'a.wav'));
    await expect(store.open('../outside.wav')).rejects.toThrow(/outside the recording store/);
  });

  it('does not write outside its root for an id that tries to', async () => {
    await writeFile(path.join(root, 'victim.wav'), 'keep me');
    await expect(store.save('../../../victim', CREATED, toneWav(100))).rejects.toThrow(/outside the recording store/);
    expect(await readFile(path.join(root, 'victim.wav'), 'utf8')).toBe('keep me');
  });

  it('size is null for a file that is not there; open reads a byte range', async () => {
    expect(await store.size('2026/11/none.wav')).toBeNull();
    const wav = toneWav(200);
    const { path: rel } = await store.save(randomUUID(), CREATED, wav);
    const chunks: Buffer[] = [];
    for await (const c of await store.open(rel, { start: 0, end: 11 })) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString('ascii', 0, 4)).toBe('RIFF');
    expect(Buffer.concat(chunks)).toHaveLength(12);
  });
});

describe('wavInfo', () => {
  it('reads the format and the duration', () => {
    expect(wavInfo(toneWav(1000))).toEqual({ format: 1, sampleRate: 8000, channels: 1, bitsPerSample: 16, dataBytes: 16_000, durationMs: 1000 });
    const wide = pcmToWav(Buffer.alloc(8000), { format: 1, sampleRate: 16_000, channels: 1, bitsPerSample: 16 });
    expect(wavInfo(wide)).toMatchObject({ sampleRate: 16_000, durationMs: 250 });
  });

  it('a file cut short by a crash: the duration of the bytes really there', () => {
    const wav = toneWav(2000);
    expect(wavInfo(wav.subarray(0, 44 + 8000))).toMatchObject({ dataBytes: 8000, durationMs: 500 });
  });

  it('skips other chunks (LIST, odd-sized with padding) before the data', () => {
    const wav = toneWav(100);
    const list = Buffer.alloc(8 + 3 + 1);
    list.write('LIST', 0, 'ascii');
    list.writeUInt32LE(3, 4);
    const withList = Buffer.concat([wav.subarray(0, 36), list, wav.subarray(36)]);
    expect(wavInfo(withList)).toMatchObject({ dataBytes: 1600, durationMs: 100 });
  });

  it('refuses what is not a usable WAV', () => {
    expect(() => wavInfo(Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVE'))).toThrow(/no data chunk/);
    const dataFirst = Buffer.concat([toneWav(10).subarray(0, 12), toneWav(10).subarray(36)]);
    expect(() => wavInfo(dataFirst)).toThrow(/data chunk before the format chunk/);
    expect(() => wavInfo(toneWav(10).subarray(0, 30))).toThrow(/format chunk cut short/);
    const noRate = toneWav(10);
    noRate.writeUInt32LE(0, 24);
    expect(() => wavInfo(noRate)).toThrow(WavError);
  });
});
