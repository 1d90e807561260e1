/**
 * Contract tests of the telephony port (src/telephony/port.ts): what every
 * implementation must do, checked the same way against the fake
 * (test/unit/telephony/fake-port.contract.test.ts) and against the ARI adapter
 * on a real Asterisk with SIPp as the far end (e2e project).
 *
 * The environment is deliberately small, so that a SIPp setup can provide it:
 *
 *   newCall(script)   Places one call into the application and resolves with
 *                     the application's leg, already answered. `script` is
 *                     everything the far end will do, fixed before the call
 *                     starts (a SIPp scenario cannot be steered afterwards):
 *                     keys (RFC 2833) and a hang-up, each `atMs` after newCall
 *                     resolved. Keys of one step are sent one after another, in
 *                     order, within ~1 s.
 *   promptFile        Absolute path without extension of a prompt that plays
 *                     for at least 4 s.
 *   shortPromptFile   One that plays for at most 1.5 s.
 *   telephony         The port under test; only stats() is read.
 *   settle(p)         Awaits an operation on the leg. The fake lets its fake
 *                     clock run until `p` settles; a real setup returns `p`.
 *   close()           Optional: called after every test.
 *
 * makeEnv runs before every test; a real setup keeps Asterisk and SIPp running
 * across tests and only hands out a fresh environment object.
 *
 * Timings in the tests leave room for a real line: keys come 600 ms or more
 * into a prompt, and "stopped early" means well before the 4 s prompt ends.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isCallEnded, type CallLeg, type Telephony } from '../../src/telephony/port.ts';

/** One thing the far end does, `atMs` after the call was handed to the test. */
export type FarEndStep = { atMs: number; keys: string } | { atMs: number; speakMs: number } | { atMs: number; hangUp: true };

export interface ContractCall {
  /** The application's side of the call. */
  leg: CallLeg;
  /** Ends the call if it is still up (teardown); harmless when it has ended. */
  hangUp(): Promise<void>;
}

export interface PortContractEnv {
  telephony: Telephony;
  /** Plays for at least 4 s. */
  promptFile: string;
  /** Plays for at most 1.5 s. */
  shortPromptFile: string;
  newCall(script?: readonly FarEndStep[]): Promise<ContractCall>;
  settle<T>(operation: Promise<T>): Promise<T>;
  close?(): Promise<void>;
}

/** A prompt shorter than this was stopped early (promptFile lasts at least 4 s). */
const STOPPED_EARLY_MS = 3500;

export function portContract(name: string, makeEnv: () => PortContractEnv | Promise<PortContractEnv>): void {
  describe(`telephony port contract: ${name}`, () => {
    let env: PortContractEnv;
    let calls: ContractCall[] = [];

    beforeEach(async () => {
      env = await makeEnv();
      calls = [];
    });

    afterEach(async () => {
      for (const call of calls) await env.settle(call.hangUp());
      // No wait may outlive the operation that started it.
      expect(env.telephony.stats().pendingWaits).toBe(0);
      await env.close?.();
    });

    const call = async (script: readonly FarEndStep[] = []): Promise<CallLeg> => {
      const c = await env.newCall(script);
      calls.push(c);
      return c.leg;
    };

    /** Runs an operation and measures how long it took (fake or real time). */
    const timed = async <T>(op: () => Promise<T>): Promise<{ result: T; ms: number }> => {
      const start = Date.now();
      const result = await env.settle(op());
      return { result, ms: Date.now() - start };
    };

    const endOf = (leg: CallLeg) =>
      env.settle(
        new Promise<void>((resolve) => {
          if (leg.ended.aborted) resolve();
          else leg.ended.addEventListener('abort', () => resolve(), { once: true });
        }),
      );

    const rejection = async (op: Promise<unknown>): Promise<unknown> => {
      try {
        await env.settle(op);
      } catch (err) {
        return err;
      }
      return null;
    };

    describe('play', () => {
      it('plays a prompt to the end and resolves finished', async () => {
        const leg = await call();
        const { result } = await timed(() => leg.play([env.shortPromptFile]));
        expect(result).toEqual({ kind: 'finished' });
      });

      it('plays several files one after another', async () => {
        const leg = await call();
        const { result, ms } = await timed(() => leg.play([env.shortPromptFile, env.promptFile], { bargeIn: false }));
        expect(result).toEqual({ kind: 'finished' });
        expect(ms).toBeGreaterThanOrEqual(4000);
      });

      it('barge-in: the first key stops the prompt and is returned, not left queued', async () => {
        const leg = await call([{ atMs: 1000, keys: '5' }]);
        const { result, ms } = await timed(() => leg.play([env.promptFile, env.shortPromptFile]));
        expect(result).toEqual({ kind: 'key', key: '5' });
        expect(ms).toBeLessThan(STOPPED_EARLY_MS);
        expect(await env.settle(leg.collect({ firstKeyTimeoutMs: 500 }))).toEqual({ kind: 'timeout', keys: '' });
      });

      it('barge-in: a key during a later file of the list stops the rest of the list', async () => {
        const leg = await call([{ atMs: 2500, keys: '6' }]);
        const { result, ms } = await timed(() => leg.play([env.shortPromptFile, env.promptFile, env.promptFile]));
        expect(result).toEqual({ kind: 'key', key: '6' });
        // The short file lasts at most 1.5 s; the next was stopped early and the third never played.
        expect(ms).toBeLessThan(1500 + STOPPED_EARLY_MS);
        expect(await env.settle(leg.collect({ firstKeyTimeoutMs: 500 }))).toEqual({ kind: 'timeout', keys: '' });
      });

      it('barge-in: a key already queued returns at once, before the prompt plays', async () => {
        const leg = await call([{ atMs: 300, keys: '7' }]);
        await env.settle(leg.play([env.shortPromptFile], { bargeIn: false }));
        const { result, ms } = await timed(() => leg.play([env.promptFile]));
        expect(result).toEqual({ kind: 'key', key: '7' });
        expect(ms).toBeLessThan(1000);
      });

      it('bargeIn false plays to the end and leaves the key queued for collect()', async () => {
        const leg = await call([{ atMs: 1000, keys: '5' }]);
        const { result, ms } = await timed(() => leg.play([env.promptFile], { bargeIn: false }));
        expect(result).toEqual({ kind: 'finished' });
        expect(ms).toBeGreaterThanOrEqual(STOPPED_EARLY_MS);
        const got = await timed(() => leg.collect({ firstKeyTimeoutMs: 2000 }));
        expect(got.result).toEqual({ kind: 'keys', keys: '5' });
        expect(got.ms).toBeLessThan(500);
      });

      it('a list barge-in stops only at a listed key; the others stay queued, in order', async () => {
        const leg = await call([
          { atMs: 700, keys: '5' },
          { atMs: 1500, keys: '#' },
        ]);
        const { result, ms } = await timed(() => leg.play([env.promptFile], { bargeIn: ['#'] }));
        expect(result).toEqual({ kind: 'key', key: '#' });
        expect(ms).toBeGreaterThanOrEqual(1000);
        expect(ms).toBeLessThan(STOPPED_EARLY_MS);
        expect(await env.settle(leg.collect({ firstKeyTimeoutMs: 500, interKeyTimeoutMs: 500, maxKeys: 2 }))).toEqual({ kind: 'timeout', keys: '5' });
      });

      it('signal stops the prompt at once: stopped', async () => {
        const leg = await call();
        const stop = new AbortController();
        setTimeout(() => stop.abort(), 1000);
        const { result, ms } = await timed(() => leg.play([env.promptFile, env.promptFile], { signal: stop.signal }));
        expect(result).toEqual({ kind: 'stopped' });
        expect(ms).toBeLessThan(STOPPED_EARLY_MS);
      });

      it('an aborted signal plays nothing', async () => {
        const leg = await call();
        const { result, ms } = await timed(() => leg.play([env.promptFile], { signal: AbortSignal.abort() }));
        expect(result).toEqual({ kind: 'stopped' });
        expect(ms).toBeLessThan(500);
      });
    });

    describe('collect', () => {
      it('times out with no keys after firstKeyTimeoutMs', async () => {
        const leg = await call();
        const { result, ms } = await timed(() => leg.collect({ firstKeyTimeoutMs: 1000 }));
        expect(result).toEqual({ kind: 'timeout', keys: '' });
        expect(ms).toBeGreaterThanOrEqual(900);
        expect(ms).toBeLessThan(3000);
      });

      it('times out between keys with the keys so far', async () => {
        const leg = await call([{ atMs: 300, keys: '4' }]);
        const { result } = await timed(() => leg.collect({ firstKeyTimeoutMs: 3000, interKeyTimeoutMs: 1000, maxKeys: 3 }));
        expect(result).toEqual({ kind: 'timeout', keys: '4' });
      });

      it('stops at maxKeys; later keys stay queued', async () => {
        const leg = await call([{ atMs: 300, keys: '123' }]);
        expect(await env.settle(leg.collect({ firstKeyTimeoutMs: 3000, maxKeys: 2 }))).toEqual({ kind: 'keys', keys: '12' });
        expect(await env.settle(leg.collect({ firstKeyTimeoutMs: 3000 }))).toEqual({ kind: 'keys', keys: '3' });
      });

      it('stops at the terminator, which is not part of the keys', async () => {
        const leg = await call([{ atMs: 300, keys: '42#9' }]);
        expect(await env.settle(leg.collect({ firstKeyTimeoutMs: 3000, maxKeys: 10, terminator: '#' }))).toEqual({ kind: 'keys', keys: '42' });
        expect(await env.settle(leg.collect({ firstKeyTimeoutMs: 3000 }))).toEqual({ kind: 'keys', keys: '9' });
      });

      it('signal ends the wait early with the keys so far', async () => {
        const leg = await call();
        const stop = new AbortController();
        setTimeout(() => stop.abort(), 500);
        const { result, ms } = await timed(() => leg.collect({ firstKeyTimeoutMs: 10_000, signal: stop.signal }));
        expect(result).toEqual({ kind: 'timeout', keys: '' });
        expect(ms).toBeLessThan(3000);
      });

      it('a caller who speaks ends a wait that ends on voice, once voice detection is on', async () => {
        const leg = await call([{ atMs: 1500, speakMs: 3000 }]);
        await env.settle(leg.enableVoiceDetection());
        expect(leg.voiceHeard).toBe(false);
        const { result, ms } = await timed(() => leg.collect({ firstKeyTimeoutMs: 10_000, endOnVoice: true }));
        expect(result).toEqual({ kind: 'voice' });
        expect(ms).toBeLessThan(6000);
        expect(leg.voiceHeard).toBe(true);
      });

      it('clearKeys drops queued keys; unreadKey puts one back at the head', async () => {
        const leg = await call([{ atMs: 300, keys: '89' }]);
        await env.settle(leg.play([env.shortPromptFile], { bargeIn: false }));
        leg.clearKeys();
        expect(await env.settle(leg.collect({ firstKeyTimeoutMs: 500 }))).toEqual({ kind: 'timeout', keys: '' });
        leg.unreadKey('3');
        expect(await env.settle(leg.collect({ firstKeyTimeoutMs: 500 }))).toEqual({ kind: 'keys', keys: '3' });
      });
    });

    describe('the end of the call', () => {
      it('a hang-up during play rejects it with CallEndedError and aborts ended', async () => {
        const leg = await call([{ atMs: 1000, hangUp: true }]);
        const err = await rejection(leg.play([env.promptFile, env.promptFile]));
        expect(isCallEnded(err)).toBe(true);
        expect(leg.ended.aborted).toBe(true);
      });

      it('a hang-up during play without barge-in rejects it too', async () => {
        const leg = await call([{ atMs: 1000, hangUp: true }]);
        const err = await rejection(leg.play([env.promptFile], { bargeIn: false }));
        expect(isCallEnded(err)).toBe(true);
      });

      it('a hang-up during collect rejects it with CallEndedError', async () => {
        const leg = await call([{ atMs: 500, hangUp: true }]);
        const err = await rejection(leg.collect({ firstKeyTimeoutMs: 10_000 }));
        expect(isCallEnded(err)).toBe(true);
      });

      it('every operation after the end rejects with CallEndedError; hangup() does not', async () => {
        const leg = await call([{ atMs: 300, hangUp: true }]);
        await endOf(leg);
        const ops: Array<[string, () => Promise<unknown>]> = [
          ['play', () => leg.play([env.shortPromptFile])],
          ['collect', () => leg.collect({ firstKeyTimeoutMs: 1000 })],
          ['answer', () => leg.answer()],
          ['startRingback', () => leg.startRingback()],
          ['enableVoiceDetection', () => leg.enableVoiceDetection()],
          ['setVar', () => leg.setVar('HOTLINE_TEST', 'x')],
          ['getVar', () => leg.getVar('HOTLINE_TEST')],
          ['handOffToDialplan', () => leg.handOffToDialplan()],
        ];
        for (const [what, op] of ops) {
          const err = await rejection(op());
          expect(isCallEnded(err), `${what} after the end`).toBe(true);
        }
        await env.settle(leg.hangup());
      });

      it('hangup() ends the call; a second hangup() is harmless', async () => {
        const leg = await call();
        await env.settle(leg.hangup());
        expect(leg.ended.aborted).toBe(true);
        await env.settle(leg.hangup());
        expect(isCallEnded(await rejection(leg.play([env.shortPromptFile])))).toBe(true);
      });

      it('hangup() during play ends the play with CallEndedError', async () => {
        const leg = await call();
        const playing = leg.play([env.promptFile]);
        const stopper = new Promise<void>((resolve) => setTimeout(() => void leg.hangup().then(resolve), 1000));
        expect(isCallEnded(await rejection(playing))).toBe(true);
        await env.settle(stopper);
      });
    });

    describe('channel state', () => {
      it('setVar/getVar: an unset variable reads null, a set one reads back', async () => {
        const leg = await call();
        expect(await env.settle(leg.getVar('HOTLINE_CONTRACT_UNSET'))).toBeNull();
        await env.settle(leg.setVar('HOTLINE_CONTRACT', 'abc-123'));
        expect(await env.settle(leg.getVar('HOTLINE_CONTRACT'))).toBe('abc-123');
      });

      it('ringback starts and stops; stopping twice is harmless', async () => {
        const leg = await call();
        const ring = await env.settle(leg.startRingback());
        await env.settle(ring.stop());
        await env.settle(ring.stop());
        expect(await env.settle(leg.play([env.shortPromptFile]))).toEqual({ kind: 'finished' });
      });
    });

    describe('waits never leak', () => {
      it('no pending waits once plays and collects have settled, nor after the end', async () => {
        const leg = await call([
          { atMs: 1000, keys: '2' },
          { atMs: 2500, hangUp: true },
        ]);
        await env.settle(leg.play([env.promptFile]));
        await env.settle(leg.collect({ firstKeyTimeoutMs: 300 }));
        expect(env.telephony.stats().pendingWaits).toBe(0);
        expect(isCallEnded(await rejection(leg.collect({ firstKeyTimeoutMs: 10_000 })))).toBe(true);
        expect(env.telephony.stats().pendingWaits).toBe(0);
      });
    });
  });
}
