/**
 * What SIPp leaves behind while and after it runs: the marker lines of the
 * scenario in its log file (turned into timed events, followed live), the
 * statistics screen (call counts) and the tails of its output.
 */
import { existsSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { MARKER } from './scenario-render.ts';

export interface SippEvent {
  /** Marker name: invite, ringing, answered, dtmf, speak, hangup, bye-received, hangup-early, cancelled, rejected, … */
  name: string;
  /** What follows the name: the keys for dtmf, the code for rejected, the caller for a UAS invite,
   * the step cut short for hangup-early. */
  detail: string;
  /** SIPp's call number (1, 2, … in the order calls started). */
  call: number;
  /** Wall-clock time, ms since the epoch (SIPp's [timestamp], microsecond resolution). */
  atMs: number;
  /** atMs relative to when the runner started SIPp. */
  sinceStartMs: number;
}

export interface WaitForEventOptions {
  timeoutMs?: number;
  call?: number;
  detail?: string | RegExp;
}

export function parseEventLine(line: string, startMs: number): SippEvent | undefined {
  if (!line.startsWith(`${MARKER}|`)) return undefined;
  const parts = line.split('|');
  if (parts.length < 5) return undefined;
  const stamp = parts[2]!.trim().split(/\s+/).pop() ?? '';
  const atMs = Math.round(parseFloat(stamp) * 1e6) / 1e3;
  if (!Number.isFinite(atMs)) return undefined;
  return {
    call: Number(parts[1]),
    atMs,
    sinceStartMs: Math.round((atMs - startMs) * 1000) / 1000,
    name: parts[3]!,
    detail: parts.slice(4).join('|').trim(),
  };
}

/** Cumulative successful and failed calls from SIPp's statistics screen. */
export function parseCallCounts(screen: string): { successful: number; failed: number } {
  const last = (re: RegExp) => {
    let value = 0;
    for (const m of screen.matchAll(re)) value = Number(m[1]);
    return value;
  };
  return {
    successful: last(/Successful call\s*\|\s*\d+\s*\|\s*(\d+)/g),
    failed: last(/Failed call\s*\|\s*\d+\s*\|\s*(\d+)/g),
  };
}

/** The end of a file (at most `maxBytes`), or undefined if there is none. */
export function readIfExists(path: string, maxBytes = 4 * 1024 * 1024): string | undefined {
  if (!existsSync(path)) return undefined;
  const data = readFileSync(path);
  return data.subarray(Math.max(0, data.length - maxBytes)).toString('utf8');
}

/** The last `max` characters of a stream. */
export class Tail {
  private text = '';
  constructor(private readonly max: number) {}
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  value(): string {
    return this.text.slice(-this.max);
  }
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

interface Waiter {
  match: (e: SippEvent) => boolean;
  resolve: (e: SippEvent) => void;
  reject: (err: Error) => void;
}

/**
 * The events of one SIPp run, read from its marker log as SIPp writes it
 * (SIPp flushes each line), and the callers waiting for one.
 */
export class EventLog {
  private readonly list: SippEvent[] = [];
  private readonly waiters = new Set<Waiter>();
  private offset = 0;
  private partial = '';
  private reading: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly startMs: number,
  ) {}

  events(): SippEvent[] {
    return [...this.list];
  }

  names(): string {
    return this.list.map((e) => e.name).join(', ');
  }

  /** Read what was added to the log since the last read (reads never overlap). */
  read(): Promise<void> {
    this.reading = this.reading.then(() => this.readMore());
    return this.reading;
  }

  /** Read the rest, including a last line without newline, and reject every waiter (`why`). */
  async close(why: string): Promise<void> {
    await this.read();
    if (this.partial) {
      this.add(parseEventLine(this.partial, this.startMs));
      this.partial = '';
    }
    this.closed = true;
    for (const w of this.waiters) w.reject(new Error(`${why}; events: ${this.names()}`));
    this.waiters.clear();
  }

  /** The first event named `name` (already seen or still to come); rejects on timeout or close. */
  waitFor(name: string, options: WaitForEventOptions = {}): Promise<SippEvent> {
    const { timeoutMs = 30_000, call, detail } = options;
    const match = (e: SippEvent) =>
      e.name === name &&
      (call === undefined || e.call === call) &&
      (detail === undefined || (typeof detail === 'string' ? e.detail === detail : detail.test(e.detail)));
    const seen = this.list.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.closed) return Promise.reject(new Error(`SIPp has exited without event ${name}`));
    return new Promise<SippEvent>((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no SIPp event ${name} within ${timeoutMs} ms; events: ${this.names()}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private add(event: SippEvent | undefined): void {
    if (!event) return;
    this.list.push(event);
    for (const w of this.waiters) {
      if (w.match(event)) {
        this.waiters.delete(w);
        w.resolve(event);
      }
    }
  }

  private async readMore(): Promise<void> {
    let handle;
    try {
      handle = await open(this.path, 'r');
    } catch {
      return;
    }
    try {
      for (;;) {
        const buffer = Buffer.alloc(64 * 1024);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        this.partial += buffer.subarray(0, bytesRead).toString('utf8');
        const lines = this.partial.split('\n');
        this.partial = lines.pop() ?? '';
        for (const line of lines) this.add(parseEventLine(line, this.startMs));
      }
    } finally {
      await handle.close();
    }
  }
}
