import type { RecordingArchive } from '../../src/telephony/port.ts';

/**
 * Asterisk's stored recordings, in memory. A fake leg puts its recording here
 * when it ends (finished, stopped or hung up), as Asterisk does; tests may
 * make fetch fail to stand in for an ARI that is away.
 */
export class FakeRecordingArchive implements RecordingArchive {
  readonly stored = new Map<string, Buffer>();
  readonly live = new Set<string>();
  readonly removed: string[] = [];
  /** Thrown by every call while set (Asterisk unreachable). */
  failWith: Error | null = null;

  async fetch(name: string): Promise<Buffer | null> {
    this.check();
    return this.stored.get(name) ?? null;
  }

  async isLive(name: string): Promise<boolean> {
    this.check();
    return this.live.has(name);
  }

  async remove(name: string): Promise<void> {
    this.check();
    if (this.stored.delete(name)) this.removed.push(name);
  }

  async list(): Promise<string[]> {
    this.check();
    return [...this.stored.keys()];
  }

  private check(): void {
    if (this.failWith) throw this.failWith;
  }
}
