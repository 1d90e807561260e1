/**
 * The ARI events and objects the adapter reads, as Asterisk sends them on the
 * event websocket (JSON; only the fields we use are typed). Anything else
 * arrives as an OtherEvent and is ignored.
 */

export interface AriChannel {
  id: string;
  /** 'Up' once answered. */
  state: string;
  caller?: { number?: string; name?: string };
  dialplan?: { context?: string; exten?: string; priority?: number; app_name?: string; app_data?: string };
  /** The SIP Call-ID (PJSIP). */
  protocol_id?: string;
}

export interface AriBridge {
  id: string;
  channels?: string[];
}

export interface AriPlayback {
  id: string;
  /** 'queued', 'playing', 'done', 'failed', … */
  state?: string;
}

export interface AriLiveRecording {
  name: string;
  state?: string;
  /** Seconds recorded, when Asterisk tells it. */
  duration?: number;
  cause?: string;
}

interface Base {
  application?: string;
  timestamp?: string;
}

export type AriEvent =
  | (Base & { type: 'StasisStart'; channel: AriChannel; args?: string[] })
  | (Base & { type: 'StasisEnd'; channel: AriChannel })
  | (Base & { type: 'ChannelDestroyed'; channel: AriChannel; cause?: number; cause_txt?: string })
  | (Base & { type: 'ChannelDtmfReceived'; channel: AriChannel; digit: string; duration_ms?: number })
  | (Base & { type: 'ChannelTalkingStarted'; channel: AriChannel })
  | (Base & { type: 'PlaybackFinished'; playback: AriPlayback })
  | (Base & { type: 'RecordingFinished' | 'RecordingFailed'; recording: AriLiveRecording })
  | (Base & { type: 'Dial'; peer?: AriChannel; caller?: AriChannel; dialstatus?: string })
  | (Base & { type: 'ChannelLeftBridge'; channel: AriChannel; bridge: AriBridge })
  | (Base & { type: 'ApplicationReplaced' })
  | OtherEvent;

/** Events the adapter does not act on. */
export interface OtherEvent extends Base {
  type: 'OtherEvent';
  [field: string]: unknown;
}

/** Narrows a parsed websocket message to an event (anything with a string type). */
export function asAriEvent(value: unknown): AriEvent | null {
  if (typeof value !== 'object' || value === null || typeof (value as { type?: unknown }).type !== 'string') return null;
  return value as AriEvent;
}
