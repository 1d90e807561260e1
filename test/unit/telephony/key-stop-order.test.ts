import { describe, expect, it } from 'vitest';
import type { AriConnection } from '../../../src/telephony/ari-connection.ts';
import { AriLeg, type PlaybackRegistry } from '../../../src/telephony/ari-leg.ts';
import type { AriCall } from '../../../src/telephony/ari-rest.ts';
import { createLogger } from '../../../src/logging/logger.ts';

/**
 * A key that cuts a prompt short: the next prompt's play goes to Asterisk
 * before the stop of the cut prompt, so Asterisk has it queued when the stop
 * ends the cut one and starts it at once (a play that arrives after the stop
 * waits for the channel's next media frame, 20 ms). A key that no prompt
 * answers still stops the prompt, at the next turn of the event loop.
 */
describe('the stop of a prompt a key cut short', () => {
  function leg() {
    const sent: string[] = [];
    const ari = {
      request: async (what: string, call: AriCall) => {
        sent.push(`${what} ${call.method} ${call.path.split('/')[0]}`);
        return {};
      },
    } as unknown as AriConnection;
    const registry: PlaybackRegistry = { expect: () => {}, forget: () => {}, expectRecording: () => {}, forgetRecording: () => {} };
    const l = new AriLeg({ id: 'chan-1', callerNumber: '1', calledNumber: '2', sipCallId: 'x', up: true }, ari, registry, createLogger('silent'));
    return { l, sent };
  }

  it('goes out right after the next prompt’s play', async () => {
    const { l, sent } = leg();
    const menu = l.play(['/prompts/main-menu']);
    await new Promise((r) => setImmediate(r));
    l.keyPressed('9');
    expect(await menu).toEqual({ kind: 'key', key: '9' });
    const next = l.play(['/prompts/language-english'], { bargeIn: false });
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual(['play POST channels', 'play POST channels', 'stop playback DELETE playbacks']);
    l.markEnded();
    await next.catch(() => undefined);
  });

  it('goes out at the next turn when no prompt follows the key', async () => {
    const { l, sent } = leg();
    const menu = l.play(['/prompts/main-menu']);
    await new Promise((r) => setImmediate(r));
    l.keyPressed('0');
    expect(await menu).toMatchObject({ kind: 'key' });
    expect(sent).toEqual(['play POST channels']);
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual(['play POST channels', 'stop playback DELETE playbacks']);
  });
});
