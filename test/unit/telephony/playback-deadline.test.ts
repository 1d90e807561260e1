import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { toneWav } from '../../../src/audio/wav.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import type { AriConnection } from '../../../src/telephony/ari-connection.ts';
import { playOnLeg, type LegInternals } from '../../../src/telephony/ari-leg-playback.ts';
import { KeyBuffer } from '../../../src/telephony/key-buffer.ts';
import { mediaLengthMs, PLAYBACK_MARGIN_MS, playbackDeadlineMs, UNKNOWN_LENGTH_MS } from '../../../src/telephony/media-length.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hotline-playback-'));
  await writeFile(path.join(dir, 'two-seconds.wav'), toneWav(2000));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A leg whose Asterisk takes every request and never reports a playback's end (the event was lost). */
function legLosingEvents() {
  const requests: string[] = [];
  const waiters = new Map<string, unknown>();
  const ari = { request: async (what: string) => { requests.push(what); return {}; } } as unknown as AriConnection;
  const leg: LegInternals = {
    id: 'chan-1',
    ari,
    registry: {
      expect: (id, fn) => waiters.set(id, fn),
      forget: (id) => waiters.delete(id),
      expectRecording: () => {},
      forgetRecording: () => {},
    },
    keys: new KeyBuffer(),
    ended: new AbortController().signal,
    log: createLogger('silent'),
    op: async (what) => { requests.push(what); return {} as never; },
    markEnded: () => {},
    // The adapter defers a key's stop until the next play is sent; here the request is what counts.
    stopAfterNextPlay: () => void requests.push('stop playback'),
    sendDeferredStops: () => {},
  };
  return { leg, requests, waiters };
}

describe('a playback has a deadline: its length plus a margin', () => {
  it('reads the length of the WAV file Asterisk plays', async () => {
    expect(await mediaLengthMs(path.join(dir, 'two-seconds'))).toBe(2000);
    expect(await playbackDeadlineMs([path.join(dir, 'two-seconds')])).toBe(2000 + PLAYBACK_MARGIN_MS);
    expect(await playbackDeadlineMs([path.join(dir, 'two-seconds'), path.join(dir, 'two-seconds')])).toBe(4000 + PLAYBACK_MARGIN_MS);
    expect(await playbackDeadlineMs([path.join(dir, 'two-seconds'), path.join(dir, 'no-such-file')])).toBe(UNKNOWN_LENGTH_MS);
    expect(await playbackDeadlineMs(['tone:ring'])).toBe(UNKNOWN_LENGTH_MS);
  });

  it('a lost PlaybackFinished ends the wait quietly at the deadline, stops the playback and forgets its waiter', async () => {
    vi.useFakeTimers();
    const { leg, requests, waiters } = legLosingEvents();
    let end: string | null = null;
    const playing = playOnLeg(leg, [path.join(dir, 'two-seconds')], null).then((r) => { end = r; });
    await vi.advanceTimersByTimeAsync(2000 + PLAYBACK_MARGIN_MS - 1);
    expect(end).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    await playing;
    expect(end).toBe('finished');
    expect(requests).toEqual(['play', 'stop playback']);
    expect(waiters.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('with barge-in, a key still interrupts before the deadline', async () => {
    vi.useFakeTimers();
    const { leg, requests } = legLosingEvents();
    const playing = playOnLeg(leg, [path.join(dir, 'two-seconds')], () => true);
    await vi.advanceTimersByTimeAsync(500);
    leg.keys.push('5');
    expect(await playing).toBe('key');
    expect(requests).toEqual(['play', 'stop playback']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
