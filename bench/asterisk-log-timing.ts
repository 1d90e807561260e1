/**
 * Timing of prompts and keys per channel, read from Asterisk's own log
 * (logger.conf writes millisecond timestamps, verbose and dtmf levels). The same
 * lines exist for a call driven by the ARI application and for one driven by
 * plain dialplan, so both are measured the same way, by the same clock.
 */

export interface ChannelTiming {
  channel: string;
  /** First dialplan line of the call: it entered Asterisk (the plain menu answers it right away). */
  arrivedAt: number;
  /** Prompt starts, in order. */
  prompts: Array<{ at: number; file: string }>;
  /** Ends of keys received, in order. */
  keys: Array<{ at: number; key: string }>;
}

const LINE = /^\[(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3})\] (\w+)\[[^\]]*\](?:\[[^\]]*\])? ([^:]+): (.*)$/;
const EXECUTING = /^Executing \[[^\]]+\] \w+\("(PJSIP\/[^"]+)"/;
const PLAYING = /^<(PJSIP\/[^>]+)> Playing '([^']+)'/;
const DTMF_END = /^DTMF end '(.)' received on (PJSIP\/[^,\s]+)/;

/** Parses log text into per-channel timings (channels of the trunk only). */
export function channelTimings(log: string, channelPrefix = 'PJSIP/trunk-'): Map<string, ChannelTiming> {
  const channels = new Map<string, ChannelTiming>();
  const get = (channel: string, at: number) => {
    let t = channels.get(channel);
    if (!t) {
      t = { channel, arrivedAt: at, prompts: [], keys: [] };
      channels.set(channel, t);
    }
    return t;
  };
  for (const line of log.split('\n')) {
    const m = LINE.exec(line);
    if (!m) continue;
    const at = Date.parse(m[1]!.replace(' ', 'T') + 'Z');
    const text = m[4]!;
    let hit: RegExpExecArray | null;
    if ((hit = EXECUTING.exec(text)) && hit[1]!.startsWith(channelPrefix)) {
      get(hit[1]!, at);
    } else if ((hit = PLAYING.exec(text)) && hit[1]!.startsWith(channelPrefix)) {
      get(hit[1]!, at).prompts.push({ at, file: hit[2]! });
    } else if ((hit = DTMF_END.exec(text)) && hit[2]!.startsWith(channelPrefix)) {
      get(hit[2]!, at).keys.push({ at, key: hit[1]! });
    }
  }
  return channels;
}

/** Time from arrival to the first prompt, per channel that had one. */
export function firstPromptDelays(timings: Iterable<ChannelTiming>): number[] {
  const out: number[] = [];
  for (const t of timings) if (t.prompts[0]) out.push(t.prompts[0].at - t.arrivedAt);
  return out;
}

/** Time from each key to the next prompt start on the same channel. */
export function keyToPromptDelays(timings: Iterable<ChannelTiming>): number[] {
  const out: number[] = [];
  for (const t of timings) {
    for (const k of t.keys) {
      const next = t.prompts.find((p) => p.at >= k.at);
      if (next) out.push(next.at - k.at);
    }
  }
  return out;
}

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
