import type { Logger } from '../logging/logger.ts';
import { maskNumber } from '../logging/mask.ts';
import { AriBridges } from './ari-bridges.ts';
import { AriConnection, isGoneError } from './ari-connection.ts';
import { AriDialer, RESUMABLE } from './ari-dialer.ts';
import type { AriChannel, AriEvent } from './ari-events.ts';
import { AriLeg, type PlaybackRegistry } from './ari-leg.ts';
import { AppPresence } from './app-presence.ts';
import { AriRecordingArchive } from './ari-recordings.ts';
import { INBOUND, resync, TALK_DETECTED } from './ari-resync.ts';
import type { LatencySummary } from './request-timings.ts';
import type { RecordingOutcome } from './record-wait.ts';
import type { Bridge, CallLeg, DialOptions, DialResult, InboundCallContext, RecordingArchive, Telephony, TelephonyStats } from './port.ts';
import { ariCalls } from './ari-rest.ts';

export interface AriTelephonyOptions {
  url: string;
  user: string;
  password: string;
  app: string;
  log: Logger;
  /** HTTP connections to ARI at most. */
  connections?: number;
  /** Told when a bridge found after a restart ends, with the ids of the channels that were in it. */
  onAdoptedBridgeEnded?: (channelIds: string[]) => void;
}

/**
 * The Telephony port on Asterisk's REST Interface. One dispatcher routes every
 * event by channel, playback or recording id to the leg or wait that expects
 * it; the maps forget a channel when it leaves the application, so nothing
 * outlives its call. Dialing (ari-dialer.ts), bridges (ari-bridges.ts) and the
 * pick-up after a reconnect (ari-resync.ts) each have their own module.
 */
export class AriTelephony implements Telephony, PlaybackRegistry {
  private readonly ari: AriConnection;
  private readonly legs = new Map<string, AriLeg>();
  private readonly dialer: AriDialer;
  private readonly bridges: AriBridges;
  private readonly playbackWaiters = new Map<string, (state: string | null) => void>();
  private readonly recordingWaiters = new Map<string, (rec: RecordingOutcome) => void>();
  readonly recordings: RecordingArchive;
  private inboundHandler: ((leg: CallLeg, context: InboundCallContext) => void) | null = null;
  private resyncing: Promise<void> = Promise.resolve();
  private readonly presence: AppPresence;

  constructor(private readonly o: AriTelephonyOptions) {
    this.ari = new AriConnection({ url: o.url, user: o.user, password: o.password, app: o.app, log: o.log, ...(o.connections ? { connections: o.connections } : {}) });
    this.dialer = new AriDialer(this.ari, o.app, o.log);
    this.bridges = new AriBridges(this.ari, o.log, o.onAdoptedBridgeEnded);
    this.recordings = new AriRecordingArchive(this.ari);
    this.presence = new AppPresence(this.ari, o.log);
    this.ari.on('event', (event: AriEvent) => this.dispatch(event));
    this.ari.on('connected', () => {
      this.resyncing = resync(this.resyncState()).catch((err) => o.log.error({ err }, 'could not pick up calls after connecting'));
    });
  }

  onInboundCall(handler: (leg: CallLeg, context: InboundCallContext) => void): void {
    this.inboundHandler = handler;
  }

  /** Connects and picks up calls already in the application. */
  async start(): Promise<void> {
    await this.ari.start();
    await this.resyncing;
    this.presence.start();
  }

  async close(): Promise<void> {
    await this.presence.stop();
    await this.ari.close();
    for (const leg of this.legs.values()) leg.markEnded();
    this.legs.clear();
    this.dialer.cancelAll();
  }

  stats(): TelephonyStats {
    let waits = this.dialer.size + this.playbackWaiters.size + this.recordingWaiters.size;
    for (const leg of this.legs.values()) waits += leg.pendingWaits;
    return { connected: this.ari.isConnected, legs: this.legs.size, pendingWaits: waits, bridges: this.bridges.size };
  }

  /** Latency of the REST requests to Asterisk, by operation (not part of the port: ARI's own figure). */
  requestLatency(): Record<string, LatencySummary> {
    return this.ari.timings.summary();
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

  dial(target: string, o: DialOptions): Promise<DialResult> {
    return this.dialer.dial(target, o);
  }

  bridge(a: CallLeg, b: CallLeg): Promise<Bridge> {
    return this.bridges.bridge(a, b);
  }

  async exists(channelId: string): Promise<boolean> {
    try {
      await this.ari.request('get channel', ariCalls.getChannel(channelId));
      return true;
    } catch (err) {
      if (isGoneError(err)) return false;
      throw err;
    }
  }

  private dispatch(event: AriEvent): void {
    switch (event.type) {
      case 'StasisStart':
        this.onStasisStart(event.channel, event.args ?? []);
        break;
      case 'ChannelDtmfReceived':
        this.legs.get(event.channel.id)?.keyPressed(String(event.digit));
        break;
      case 'ChannelTalkingStarted':
        this.legs.get(event.channel.id)?.talkingStarted();
        break;
      case 'PlaybackFinished':
        this.playbackWaiters.get(event.playback.id)?.(event.playback.state ?? null);
        break;
      case 'RecordingFinished':
      case 'RecordingFailed': {
        const rec = event.recording;
        this.recordingWaiters.get(String(rec.name))?.({
          state: event.type === 'RecordingFailed' ? 'failed' : 'done',
          durationSeconds: typeof rec.duration === 'number' ? rec.duration : null,
          ...(rec.cause ? { cause: String(rec.cause) } : {}),
        });
        break;
      }
      case 'StasisEnd':
        this.onChannelGone(event.channel.id);
        break;
      case 'ChannelDestroyed':
        this.onChannelGone(event.channel.id, { cause: typeof event.cause === 'number' ? event.cause : null });
        break;
      case 'Dial':
        if (event.peer?.id && event.dialstatus) this.dialer.dialStatus(event.peer.id, String(event.dialstatus));
        break;
      case 'ChannelLeftBridge':
        this.bridges.left(event.bridge.id, event.channel.id);
        break;
      default:
        break;
    }
  }

  private onStasisStart(ch: AriChannel, args: string[]): void {
    if (this.dialer.answered(ch.id, () => this.newLeg(ch))) return;
    if (args[0] === INBOUND) {
      this.startInbound(ch, { resumed: false }, args[1] === TALK_DETECTED);
      return;
    }
    // A call the hotline placed, answered after its dial was forgotten (the application restarted
    // while it rang): a customer is there, and the application picks the call up like one resumed.
    if (args[0] === RESUMABLE) {
      this.o.log.info({ channel: ch.id }, 'a call placed before a restart was answered; picking it up');
      this.startInbound(ch, { resumed: true, placed: true });
      return;
    }
    // A dialed leg whose dial no longer waits (cancelled, or a desk or duty phone from before a restart).
    this.o.log.info({ channel: ch.id }, 'hanging up a leg nobody is waiting for');
    this.hangupStray(ch.id);
  }

  private startInbound(ch: AriChannel, context: InboundCallContext, talkDetected = false): void {
    const { resumed } = context;
    if (this.legs.has(ch.id)) return;
    const leg = this.newLeg(ch, talkDetected);
    if (!this.inboundHandler) {
      this.o.log.error('inbound call before a handler was registered; hanging up');
      void leg.hangup();
      return;
    }
    this.o.log.info({ channel: ch.id, from: maskNumber(leg.callerNumber), resumed }, resumed ? 'picking up a call already in the application' : 'inbound call');
    this.inboundHandler(leg, context);
  }

  private newLeg(ch: AriChannel, talkDetected = false): AriLeg {
    const leg = new AriLeg(
      {
        id: ch.id,
        callerNumber: String(ch.caller?.number ?? ''),
        calledNumber: String(ch.dialplan?.exten ?? ''),
        sipCallId: String(ch.protocol_id ?? ''),
        up: ch.state === 'Up',
        talkDetected,
      },
      this.ari,
      this,
      this.o.log.child({ channel: ch.id }),
    );
    this.legs.set(ch.id, leg);
    return leg;
  }

  /** The channel left the application (StasisEnd) or was destroyed (with its hang-up cause). */
  private onChannelGone(channelId: string, destroyed?: { cause: number | null }): void {
    this.forgetLeg(channelId);
    // Only destruction ends a dial: a dialed channel enters (and leaves) Stasis only once answered.
    if (destroyed) this.dialer.destroyed(channelId, destroyed.cause);
    this.bridges.channelGone(channelId);
  }

  private forgetLeg(channelId: string): void {
    const leg = this.legs.get(channelId);
    if (!leg) return;
    this.legs.delete(channelId);
    leg.markEnded();
  }

  private hangupStray(channelId: string): void {
    void this.ari.request('hangup stray', ariCalls.hangup(channelId)).catch(() => {});
  }

  private resyncState() {
    return {
      ari: this.ari,
      app: this.o.app,
      log: this.o.log,
      bridges: this.bridges,
      legIds: () => [...this.legs.keys()],
      forgetLeg: (id: string) => this.forgetLeg(id),
      isDialing: (id: string) => this.dialer.has(id),
      playbackIds: () => [...this.playbackWaiters.keys()],
      playbackGone: (id: string) => this.playbackWaiters.get(id)?.(null),
      pickUp: (ch: AriChannel, placed: boolean) => this.startInbound(ch, { resumed: true, placed }),
      hangupStray: (id: string) => this.hangupStray(id),
    };
  }
}
