/**
 * The RTP a call sends: one stream per call, DTMF (RFC 4733) and voice (PCMU)
 * written into pcap files next to the scenario and played with
 * play_pcap_audio. SIPp plays in the background, so each media step is
 * followed by a wait covering the clip.
 */
import { dtmfPackets, dtmfSpanMs, type DtmfTiming } from './dtmf.ts';
import { ULAW_SILENCE, stockVoiceUlaw, voicePackets, wavToUlaw } from './g711.ts';
import { STOCK_DTMF_PCAP_MS, stockDtmfPcap, writePcap } from './pcap-file.ts';
import { clipOf, newRtpStream, type RtpStream, type TimedRtp } from './rtp.ts';
import { logLine, xmlAttr, type Render } from './scenario-render.ts';
import type { Media } from './scenario-steps.ts';

/** Extra pause after a media clip before the next step (ms). */
export const MEDIA_TAIL_MS = 40;
/** Silence sent before the first media clip of a call, so that a receiver with strict RTP
 * (Asterisk learns a new source from a few packets in sequence) does not drop the first key. */
export const LEAD_IN_MS = 100;

/** How long a dtmf() step takes (clip plus tail), for keys pressed with default timing. */
export function dtmfStepMs(digits: string, timing: DtmfTiming = {}): number {
  return dtmfSpanMs(digits.length, timing) + MEDIA_TAIL_MS;
}

/** Renders the wait after a clip (`ms` long) of a media step named `name` (dtmf, speak). */
export type MediaWait = (ms: number, name: 'dtmf' | 'speak') => void;

/** Media of one call: one RTP stream, its clock following the planned pauses. */
export class MediaTrack {
  private readonly stream: RtpStream = newRtpStream();
  private readonly baseTs = this.stream.timestamp;
  private clockMs = 0;
  private started = false;

  constructor(
    private readonly r: Render,
    private readonly prefix: string,
  ) {}

  advance(ms: number): void {
    this.clockMs += ms;
  }

  /** Emit the play action, log and covering wait for one media step. */
  play(media: Media, wait: MediaWait): void {
    if (media.kind === 'dtmf' && media.stock) {
      const path = stockDtmfPcap(media.digits);
      this.emit('dtmf', media.digits, path, STOCK_DTMF_PCAP_MS, wait);
      return;
    }
    this.stream.timestamp = Math.max(this.stream.timestamp, this.baseTs + this.clockMs * 8);
    const packets: TimedRtp[] = [];
    let offset = 0;
    if (!this.started) {
      packets.push(...voicePackets(this.stream, Buffer.alloc(LEAD_IN_MS * 8, ULAW_SILENCE)));
      offset = LEAD_IN_MS;
      this.started = true;
    }
    let name: 'dtmf' | 'speak';
    let detail: string;
    if (media.kind === 'dtmf') {
      packets.push(...dtmfPackets(this.stream, media.digits, media.timing, offset));
      name = 'dtmf';
      detail = media.digits;
    } else {
      const source = media.wav ? wavToUlaw(media.wav) : stockVoiceUlaw();
      const samples = Buffer.alloc(media.ms * 8);
      for (let i = 0; i < samples.length; i += source.length) source.copy(samples, i, 0, Math.min(source.length, samples.length - i));
      packets.push(...voicePackets(this.stream, samples, offset));
      name = 'speak';
      detail = String(media.ms);
    }
    const clip = clipOf(packets);
    const file = this.r.file(`${this.prefix}-${name}-${this.r.files.length + 1}.pcap`, writePcap(packets));
    this.emit(name, detail, file, clip.spanMs, wait);
  }

  private emit(name: 'dtmf' | 'speak', detail: string, path: string, spanMs: number, wait: MediaWait): void {
    const ms = spanMs + MEDIA_TAIL_MS;
    this.r.add(`  <nop><action>${logLine(name, detail)}<exec play_pcap_audio="${xmlAttr(path)}"/></action></nop>`);
    wait(ms, name);
    this.clockMs += ms;
  }
}
