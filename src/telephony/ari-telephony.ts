import { randomUUID } from 'node:crypto';
import type { Logger } from '../logging/logger.ts';
import { maskNumber, maskTarget } from '../logging/mask.ts';
import { AriConnection, isGoneError, type AriEvent } from './ari-connection.ts';
import { AriLeg, type PlaybackRegistry } from './ari-leg.ts';
import { AriRecordingArchive } from './ari-recordings.ts';
import type { RecordingOutcome } from './record-wait.ts';
import { dialString } from './dial-string.ts';
import { dialFailureFromCause } from './hangup-causes.ts';
import {
  CallEndedError,
  type Bridge,
  type DialFailure,
  type CallLeg,
  type DialOptions,
  type DialResult,
  type InboundCallContext,
  type RecordingArchive,
  type Telephony,
  type TelephonyStats,
} from './port.ts';

export interface AriTelephonyOptions {
  url: string;
  user: string;
  password: string;
  app: string;
  log: Logger;
  /**
   * Told when a bridge found after a restart ends, with the call ids stored on
   * its channels (variable HOTLINE_CALL_ID).
   */
  onAdoptedBridgeEnded?: (callIds: string[]) => void;
}

interface PendingDial {
  target: string;
  startedAt: number;
  timeoutSeconds: number;
  /** Last DIALSTATUS Asterisk reported for this channel (Dial event). */
  dialStatus: string | null;
  settle: (result: DialResult) => void;
}

/** Arguments our dialplan and our originates put on Stasis(): who the channel is. */
const INBOUND = 'inbound';
const DIALED = 'dialed';
const RESUMABLE = 'resumable';
/** Channel variable the application stores its call id in (see CHANNEL_VARS in ivr/call-session.ts). */
const CALL_ID_VARIABLE = 'HOTLINE_CALL_ID';
const isResumable = (arg: string | undefined) => arg === INBOUND || arg === RESUMABLE;

/**
 * The Telephony port on Asterisk's REST Interface. One dispatcher routes every
 * event by channel or playback id to the leg or wait that expects it; the maps
 * forget a channel when it leaves the application, so nothing outlives its call.
 */
export class AriTelephony implements Telephony, PlaybackRegistry {
  private readonly ari: AriConnection;
  private readonly legs = new Map<string, AriLeg>();
  private readonly pendingDials = new Map<string, PendingDial>();
  private readonly playbackWaiters = new Map<string, (state: string | null) => void>();
  private readonly recordingWaiters = new Map<string, (rec: RecordingOutcome) => void>();
  readonly recordings: RecordingArchive;
  private readonly bridges = new Map<string, Set<string>>();
  private readonly adopted = new Map<string, { members: Set<string>; callIds: string[] }>();
  private inboundHandler: ((leg: CallLeg, context: InboundCallContext) => void) | null = null;
  private resyncing: Promise<void> = Promise.resolve();

  constructor(private readonly o: AriTelephonyOptions) {
    this.ari = new AriConnection({ url: o.url, user: o.user, password: o.password, app: o.app, log: o.log });
    this.ari.on('event', (event: AriEvent) => this.dispatch(event));
    this.recordings = new AriRecordingArchive(this.ari);
    this.ari.on('connected', () => {
      this.resyncing = this.resync().catch((err) => o.log.error({ err }, 'could not pick up calls after connecting'));
    });
  }

  onInboundCall(handler: (leg: CallLeg, context: InboundCallContext) => void): void {
    this.inboundHandler = handler;
  }

  /** Connects and picks up calls already in the application. */
  async start(): Promise<void> {
    await this.ari.start();
    await this.resyncing;
  }

  async close(): Promise<void> {
    await this.ari.close();
    for (const leg of this.legs.values()) leg.markEnded();
    this.legs.clear();
    for (const [id, dial] of this.pendingDials) {
      dial.settle({ kind: 'failed', reason: 'cancelled', cause: null, ringMs: Date.now() - dial.startedAt });
      this.pendingDials.delete(id);
    }
  }

  stats(): TelephonyStats {
    let waits = this.pendingDials.size + this.playbackWaiters.size + this.recordingWaiters.size;
    for (const leg of this.legs.values()) waits += leg.pendingWaits;
    return { connected: this.ari.isConnected, legs: this.legs.size, pendingWaits: waits, bridges: this.bridges.size + this.adopted.size };
  }

  expect(playbackId: string, onFinished: (state: string | null) => void): void {
    this.playbackWaiters.set(playbackId, onFinished);
  }

  forget(playbackId: string): void {
    this.playbackWaiters.delete(playbackId);
  }

  expectRecording(name: string, onFinished: (rec: RecordingOutcome) => void): void {
    this.recordingWaiters.set(name, onFinished);
  }

  forgetRecording(name: string): void {
    this.recordingWaiters.delete(name);
  }

  async dial(target: string, o: DialOptions): Promise<DialResult> {
    const channelId = randomUUID();
    const startedAt = Date.now();
    const log = this.o.log.child({ target: maskTarget(target), channel: channelId });
    let settle!: (r: DialResult) => void;
    const result = new Promise<DialResult>((resolve) => { settle = resolve; });
    let settled = false;
    const finish = (r: DialResult) => {
      if (settled) return;
      settled = true;
      this.pendingDials.delete(channelId);
      clearTimeout(failsafe);
      o.signal?.removeEventListener('abort', onAbort);
      settle(r);
    };
    this.pendingDials.set(channelId, { target, startedAt, timeoutSeconds: o.timeoutSeconds, dialStatus: null, settle: finish });
    const cancel = () => {
      void this.ari.request('cancel dial', (c) => c.channels.hangup({ channelId })).catch(() => {});
    };
    const onAbort = () => {
      cancel();
      finish({ kind: 'failed', reason: 'cancelled', cause: null, ringMs: Date.now() - startedAt });
    };
    // Asterisk ends the attempt at `timeout`; this only guards against a lost event.
    const failsafe = setTimeout(() => {
      log.warn('no answer and no hang-up event after the ring time; cancelling');
      cancel();
      finish({ kind: 'failed', reason: 'no-answer', cause: null, ringMs: Date.now() - startedAt });
    }, (o.timeoutSeconds + 15) * 1000);
    if (o.signal?.aborted) onAbort();
    else o.signal?.addEventListener('abort', onAbort, { once: true });
    if (!settled) {
      const callerId = o.callerId ? `"${o.callerId.name ?? ''}" <${o.callerId.number}>` : undefined;
      try {
        await this.ari.request('originate', (c) =>
          c.channels.originate({
            endpoint: dialString(target),
            app: this.o.app,
            appArgs: o.resumable ? RESUMABLE : DIALED,
            channelId,
            timeout: o.timeoutSeconds,
            ...(callerId ? { callerId } : {}),
          }),
        );
        log.debug('dialing');
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'could not place the call');
        finish({ kind: 'failed', reason: 'unavailable', cause: null, ringMs: Date.now() - startedAt });
      }
    }
    return result;
  }

  async bridge(a: CallLeg, b: CallLeg): Promise<Bridge> {
    for (const leg of [a, b]) if (leg.ended.aborted) throw new CallEndedError(leg.id, 'gone before bridging');
    const bridgeId = randomUUID();
    await this.ari.request('create bridge', (c) => c.bridges.create({ type: 'mixing', bridgeId, name: 'hotline' }));
    this.bridges.set(bridgeId, new Set([a.id, b.id]));
    const destroy = async () => {
      if (!this.bridges.delete(bridgeId)) return;
      await Promise.allSettled([a.hangup(), b.hangup()]);
      await this.ari.request('destroy bridge', (c) => c.bridges.destroy({ bridgeId })).catch(() => {});
    };
    try {
      await this.ari.request('join bridge', (c) => c.bridges.addChannel({ bridgeId, channel: [a.id, b.id] }));
    } catch (err) {
      await destroy();
      // A leg that hung up in the instant before joining ends the call normally.
      const gone = [a, b].find((l) => l.ended.aborted);
      if (gone || isGoneError(err)) throw new CallEndedError(gone?.id ?? a.id, 'gone while bridging');
      throw err;
    }
    const ended = firstEnded([a, b]);
    return { id: bridgeId, ended, destroy };
  }

  private dispatch(event: AriEvent): void {
    const channelId: string | undefined = event.channel?.id;
    switch (event.type) {
      case 'StasisStart':
        if (channelId) this.onStasisStart(event);
        break;
      case 'ChannelDtmfReceived':
        if (channelId) this.legs.get(channelId)?.keyPressed(String(event.digit));
        break;
      case 'ChannelTalkingStarted':
        if (channelId) this.legs.get(channelId)?.talkingStarted();
        break;
      case 'PlaybackFinished': {
        const id: string | undefined = event.playback?.id;
        if (id) this.playbackWaiters.get(id)?.(event.playback?.state ?? null);
        break;
      }
      case 'RecordingFinished':
      case 'RecordingFailed': {
        const rec = event.recording;
        if (rec?.name) {
          const seconds = typeof rec.duration === 'number' ? rec.duration : null;
          this.recordingWaiters.get(String(rec.name))?.({
            state: event.type === 'RecordingFailed' ? 'failed' : 'done',
            durationSeconds: seconds,
            ...(rec.cause ? { cause: String(rec.cause) } : {}),
          });
        }
        break;
      }
      case 'StasisEnd':
      case 'ChannelDestroyed':
        if (channelId) this.onChannelGone(channelId, event);
        break;
      case 'Dial': {
        const pending = event.peer?.id ? this.pendingDials.get(event.peer.id) : undefined;
        if (pending && event.dialstatus) pending.dialStatus = String(event.dialstatus);
        break;
      }
      case 'ChannelLeftBridge':
        if (channelId && event.bridge?.id) this.onLeftBridge(event.bridge.id, channelId);
        break;
      default:
        break;
    }
  }

  private onStasisStart(event: AriEvent): void {
    const ch = event.channel;
    const args: string[] = event.args ?? [];
    const pending = this.pendingDials.get(ch.id);
    if (pending) {
      const leg = this.newLeg(ch);
      pending.settle({ kind: 'answered', leg, ringMs: Date.now() - pending.startedAt });
      return;
    }
    if (args[0] === INBOUND) {
      this.startInbound(ch, false);
      return;
    }
    if (args[0] === RESUMABLE) {
      // Answered after its dial was forgotten (restart while it rang): nobody to talk to.
      this.o.log.info({ channel: ch.id }, 'hanging up a callback answered after a restart');
      void this.ari.request('hangup stray', (c) => c.channels.hangup({ channelId: ch.id })).catch(() => {});
      return;
    }
    // A dialed leg whose dial is no longer waiting (cancelled, or from before a restart).
    this.o.log.info({ channel: ch.id }, 'hanging up a leg nobody is waiting for');
    void this.ari.request('hangup stray', (c) => c.channels.hangup({ channelId: ch.id })).catch(() => {});
  }

  private startInbound(ch: any, resumed: boolean): void {
    if (this.legs.has(ch.id)) return;
    const leg = this.newLeg(ch);
    if (!this.inboundHandler) {
      this.o.log.error('inbound call before a handler was registered; hanging up');
      void leg.hangup();
      return;
    }
    this.o.log.info({ channel: ch.id, from: maskNumber(leg.callerNumber), resumed }, resumed ? 'picking up a call already in the application' : 'inbound call');
    this.inboundHandler(leg, { resumed });
  }

  private newLeg(ch: any): AriLeg {
    const leg = new AriLeg(
      {
        id: ch.id,
        callerNumber: String(ch.caller?.number ?? ''),
        calledNumber: String(ch.dialplan?.exten ?? ''),
        sipCallId: String(ch.protocol_id ?? ''),
        up: ch.state === 'Up',
      },
      this.ari,
      this,
      this.o.log.child({ channel: ch.id }),
    );
    this.legs.set(ch.id, leg);
    return leg;
  }

  private onChannelGone(channelId: string, event: AriEvent): void {
    const leg = this.legs.get(channelId);
    if (leg) {
      this.legs.delete(channelId);
      leg.markEnded();
    }
    const pending = this.pendingDials.get(channelId);
    if (pending && event.type === 'ChannelDestroyed') {
      const cause = typeof event.cause === 'number' ? event.cause : null;
      const ringMs = Date.now() - pending.startedAt;
      pending.settle({ kind: 'failed', reason: dialFailure(pending, cause, ringMs), cause, ringMs });
    }
    for (const [bridgeId, adopted] of this.adopted) {
      if (adopted.members.has(channelId)) this.onLeftBridge(bridgeId, channelId);
    }
  }

  /** An adopted bridge (from before a restart) ends when anyone leaves it. */
  private onLeftBridge(bridgeId: string, channelId: string): void {
    const adopted = this.adopted.get(bridgeId);
    if (!adopted) return;
    const { members, callIds } = adopted;
    this.adopted.delete(bridgeId);
    this.o.log.info({ bridge: bridgeId, left: channelId }, 'a call picked up after restart has ended');
    for (const other of members) {
      if (other !== channelId) void this.ari.request('hangup', (c) => c.channels.hangup({ channelId: other })).catch(() => {});
    }
    void this.ari.request('destroy bridge', (c) => c.bridges.destroy({ bridgeId })).catch(() => {});
    this.o.onAdoptedBridgeEnded?.(callIds);
  }

  /** Values of the call-id variable on channels (unset ones skipped). */
  private async callIdsOf(channelIds: string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const channelId of channelIds) {
      try {
        const r = await this.ari.request('get call id', (c) => c.channels.getChannelVar({ channelId, variable: CALL_ID_VARIABLE }));
        if (r.value) ids.push(r.value);
      } catch {
        // unset or gone
      }
    }
    return ids;
  }

  /**
   * After a (re)connect: forget legs that vanished, finish playbacks whose end
   * we missed, and take over calls that are in the application but unknown to
   * this process (it was restarted, or events were lost while disconnected).
   */
  private async resync(): Promise<void> {
    const [channels, bridges] = await Promise.all([
      this.ari.request('list channels', (c) => c.channels.list()),
      this.ari.request('list bridges', (c) => c.bridges.list()),
    ]);
    const present = new Set(channels.map((ch: any) => ch.id as string));
    for (const [id, leg] of this.legs) {
      if (!present.has(id)) {
        this.legs.delete(id);
        leg.markEnded();
      }
    }
    for (const playbackId of [...this.playbackWaiters.keys()]) {
      try {
        await this.ari.request('get playback', (c) => c.playbacks.get({ playbackId }));
      } catch (err) {
        if (isGoneError(err)) this.playbackWaiters.get(playbackId)?.(null);
      }
    }
    const bridgeOf = new Map<string, any>();
    for (const b of bridges as any[]) for (const id of b.channels ?? []) bridgeOf.set(id, b);

    for (const ch of channels as any[]) {
      const args = stasisArgs(ch, this.o.app);
      if (!args || this.legs.has(ch.id) || this.pendingDials.has(ch.id)) continue;
      const bridge = bridgeOf.get(ch.id);
      if (bridge && !this.bridges.has(bridge.id) && !this.adopted.has(bridge.id)) {
        if ((bridge.channels ?? []).length >= 2) {
          const callIds = await this.callIdsOf(bridge.channels);
          this.adopted.set(bridge.id, { members: new Set(bridge.channels), callIds });
          this.o.log.info({ bridge: bridge.id }, 'a connected call survived the restart; watching it');
          continue;
        }
        await this.ari.request('destroy bridge', (c) => c.bridges.destroy({ bridgeId: bridge.id })).catch(() => {});
      }
      if (bridge && this.adopted.has(bridge.id)) continue;
      if (isResumable(args[0])) this.startInbound(ch, true);
      else void this.ari.request('hangup stray', (c) => c.channels.hangup({ channelId: ch.id })).catch(() => {});
    }
  }
}

/**
 * Why a dial failed: Asterisk's DIALSTATUS when it sent one, else the hang-up
 * cause; an originate that simply ran out of ring time ends with cause 0, so a
 * failure at the ring timeout counts as no answer.
 */
function dialFailure(pending: PendingDial, cause: number | null, ringMs: number): DialFailure {
  switch (pending.dialStatus) {
    case 'NOANSWER':
      return 'no-answer';
    case 'BUSY':
      return 'busy';
    case 'CHANUNAVAIL':
    case 'CONGESTION':
      return 'unavailable';
    default:
      break;
  }
  const reason = dialFailureFromCause(cause);
  if (reason === 'failed' && ringMs >= pending.timeoutSeconds * 1000 - 250) return 'no-answer';
  return reason;
}

/** The Stasis() arguments of a channel in our application, or null if it is not in it. */
function stasisArgs(ch: any, app: string): string[] | null {
  const dp = ch.dialplan ?? {};
  if (dp.app_name !== 'Stasis') return null;
  const parts = String(dp.app_data ?? '').split(',');
  if (parts[0] !== app) return null;
  return parts.slice(1);
}

/** Resolves with the id of the first leg that ends. */
function firstEnded(legs: CallLeg[]): Promise<string> {
  return new Promise((resolve) => {
    const handlers: Array<() => void> = [];
    const done = (id: string) => {
      legs.forEach((l, i) => l.ended.removeEventListener('abort', handlers[i]!));
      resolve(id);
    };
    for (const leg of legs) {
      if (leg.ended.aborted) {
        resolve(leg.id);
        return;
      }
    }
    for (const leg of legs) {
      const h = () => done(leg.id);
      handlers.push(h);
      leg.ended.addEventListener('abort', h, { once: true });
    }
  });
}
