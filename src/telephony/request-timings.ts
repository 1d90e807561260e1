/** Latency of one kind of request over the window kept: count, p50, p99 and max in ms. */
export interface LatencySummary {
  n: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * Latencies of the REST requests to Asterisk by operation (play, answer,
 * getVar, …), the last `keep` of each: where a caller's wait goes when the
 * line is busy (health endpoint, benchmarks).
 */
export class RequestTimings {
  private readonly byOp = new Map<string, number[]>();

  constructor(private readonly keep = 5000) {}

  record(what: string, ms: number): void {
    const op = operation(what);
    let samples = this.byOp.get(op);
    if (!samples) this.byOp.set(op, (samples = []));
    samples.push(ms);
    if (samples.length > this.keep) samples.splice(0, samples.length - this.keep);
  }

  summary(): Record<string, LatencySummary> {
    const out: Record<string, LatencySummary> = {};
    for (const [op, samples] of [...this.byOp].sort((a, b) => b[1].length - a[1].length)) out[op] = summarize(samples);
    return out;
  }
}

/** 'get HOTLINE_CALL_ID' and 'set HOTLINE_CALL_ID' are one operation each, whatever the variable. */
function operation(what: string): string {
  if (/^(get|set) [A-Z_]+$/.test(what)) return `${what.slice(0, 3)}Var`;
  return what;
}

export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { n: 0, p50: 0, p99: 0, max: 0 };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil((q / 100) * sorted.length) - 1)]!;
  const round = (v: number) => Math.round(v * 10) / 10;
  return { n: sorted.length, p50: round(at(50)), p99: round(at(99)), max: round(sorted.at(-1)!) };
}
