import type { Logger } from '../logging/logger.ts';
import { isGoneError, type AriConnection } from './ari-connection.ts';
import type { AriBridges } from './ari-bridges.ts';
import type { AriBridge, AriChannel } from './ari-events.ts';

/** Stasis() arguments of channels a restarted application picks up: inbound calls and callbacks. */
export const INBOUND = 'inbound';
/**
 * Second Stasis() argument of an inbound call whose dialplan already switched
 * on talk detection (with TALK_DETECTION, rendered into its globals): the
 * application need not ask for it, one request fewer per call.
 */
export const TALK_DETECTED = 'talk-detect';
/** Asterisk's defaults: average sample magnitude above 256 is talking, 2.5 s below it is silence. */
export const TALK_DETECTION = '2500,256';
const RESUMABLE_ARGS = new Set([INBOUND, 'resumable']);

/** What resync works on: the adapter's own state. */
export interface ResyncState {
  ari: AriConnection;
  app: string;
  log: Logger;
  bridges: AriBridges;
  /** Channel ids the adapter drives now, and how to let one go (it vanished). */
  legIds(): string[];
  forgetLeg(channelId: string): void;
  isDialing(channelId: string): boolean;
  /** Playbacks waited for: their waiters, to finish those whose end was missed. */
  playbackIds(): string[];
  playbackGone(playbackId: string): void;
  /** Takes over a call already in the application (`placed`: one the hotline dialled, a callback). */
  pickUp(channel: AriChannel, placed: boolean): void;
  hangupStray(channelId: string): void;
}

/**
 * After a (re)connect: forget legs that vanished, finish playbacks whose end
 * was missed, and take over calls that are in the application but unknown to
 * this process (it was restarted, or events were lost while disconnected). A
 * connected call (two channels in one bridge) is adopted and watched.
 */
export async function resync(s: ResyncState): Promise<void> {
  const [channels, bridges] = await Promise.all([
    s.ari.request('list channels', (c) => c.channels.list()) as Promise<AriChannel[]>,
    s.ari.request('list bridges', (c) => c.bridges.list()) as Promise<AriBridge[]>,
  ]);
  const present = new Set(channels.map((ch) => ch.id));
  for (const id of s.legIds()) if (!present.has(id)) s.forgetLeg(id);
  for (const playbackId of s.playbackIds()) {
    try {
      await s.ari.request('get playback', (c) => c.playbacks.get({ playbackId }));
    } catch (err) {
      if (isGoneError(err)) s.playbackGone(playbackId);
    }
  }
  const bridgeOf = new Map<string, AriBridge>();
  for (const b of bridges) for (const id of b.channels ?? []) bridgeOf.set(id, b);
  const driven = new Set(s.legIds());

  for (const ch of channels) {
    const args = stasisArgs(ch, s.app);
    if (!args || driven.has(ch.id) || s.isDialing(ch.id)) continue;
    const bridge = bridgeOf.get(ch.id);
    if (bridge && !s.bridges.knows(bridge.id)) {
      const members = bridge.channels ?? [];
      if (members.length >= 2) {
        s.bridges.adopt(bridge.id, members);
        continue;
      }
      await s.ari.request('destroy bridge', (c) => c.bridges.destroy({ bridgeId: bridge.id })).catch(() => {});
    }
    if (bridge && s.bridges.isAdopted(bridge.id)) continue;
    if (RESUMABLE_ARGS.has(args[0] ?? '')) s.pickUp(ch, args[0] !== INBOUND);
    else s.hangupStray(ch.id);
  }
}

/** The Stasis() arguments of a channel in our application, or null if it is not in it. */
function stasisArgs(ch: AriChannel, app: string): string[] | null {
  const dp = ch.dialplan ?? {};
  if (dp.app_name !== 'Stasis') return null;
  const parts = String(dp.app_data ?? '').split(',');
  if (parts[0] !== app) return null;
  return parts.slice(1);
}
