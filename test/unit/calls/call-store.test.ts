import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallRecord, RecordSource } from '../../../src/domain/call-record.ts';
import { CallStore } from '../../../src/calls/call-store.ts';
import { createLogger } from '../../../src/logging/logger.ts';

const log = createLogger('silent');

function record(id: string, change: Partial<CallRecord> = {}): CallRecord {
  return {
    id, channelId: `ch-${id}`, sipCallId: '', direction: 'inbound', parentCallId: null, callerNumber: '13800138000',
    calledNumber: '95158', language: 'zh-CN', category: null, startedAt: '2026-11-24T02:00:00.000Z', answeredAt: null,
    endedAt: null, nodes: [], keys: [], outcome: null, outcomeDetail: {}, endedNode: null, endedBy: null, emergency: null,
    resumedCount: 0, ...change,
  };
}

/** A record as a call holds it: the store reads its state when it writes. */
const source = (r: CallRecord): RecordSource => ({ id: r.id, current: r });

/** A database that refuses connections while `down` is true and keeps what it was given. */
class FlakyDb {
  down = false;
  rows = new Map<string, CallRecord>();
  /** Statements executed, and the records each carried. */
  statements: string[][] = [];
  get writes(): number {
    return this.statements.length;
  }
  async upsert(records: readonly CallRecord[]): Promise<void> {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    this.statements.push(records.map((r) => r.id));
    for (const r of records) this.rows.set(r.id, structuredClone(r));
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('CallStore (records written behind the calls)', () => {
  it('keeps records while the database is away and writes the latest state of each once it is back', async () => {
    const db = new FlakyDb();
    const store = new CallStore(db, log, { baseDelayMs: 100, maxDelayMs: 1000 });
    db.down = true;
    store.changed(source(record('a')));
    store.changed(source(record('a', { nodes: [{ node: 'greeting', at: '2026-11-24T02:00:01.000Z' }] })));
    store.changed(source(record('b', { outcome: 'abandoned', endedAt: '2026-11-24T02:00:05.000Z' })));
    await vi.advanceTimersByTimeAsync(5000);
    expect(db.rows.size).toBe(0);
    expect(store.pending).toBe(2);

    db.down = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(store.pending).toBe(0);
    expect(db.rows.get('a')?.nodes.map((n) => n.node)).toEqual(['greeting']);
    expect(db.rows.get('b')?.outcome).toBe('abandoned');
    // Coalesced: each call written once, not once per change made during the outage.
    expect(db.statements.flat().sort()).toEqual(['a', 'b']);
  });

  it('drops a record the database rejects for what it is (not a connection problem) and goes on', async () => {
    const db = new FlakyDb();
    const failing = {
      upsert: async (rs: readonly CallRecord[]) => (rs.some((r) => r.id === 'bad') ? Promise.reject(new Error('value too long')) : db.upsert(rs)),
    };
    const store = new CallStore(failing, log);
    store.changed(source(record('bad')));
    store.changed(source(record('good')));
    await vi.advanceTimersByTimeAsync(100);
    expect(store.pending).toBe(0);
    expect([...db.rows.keys()]).toEqual(['good']);
  });

  it('bounds memory in a very long outage, dropping the oldest finished call first', async () => {
    const db = new FlakyDb();
    db.down = true;
    const store = new CallStore(db, log, { maxPending: 2 });
    store.changed(source(record('live-1')));
    store.changed(source(record('ended', { endedAt: '2026-11-24T02:00:05.000Z' })));
    store.changed(source(record('live-2')));
    expect(store.pending).toBe(2);
    db.down = false;
    const flushed = store.flush(5000);
    await vi.advanceTimersByTimeAsync(6000);
    expect(await flushed).toBe(true);
    expect([...db.rows.keys()].sort()).toEqual(['live-1', 'live-2']);
  });

  it('writes the changes of one moment together: a burst of changes on many calls is one statement', async () => {
    const db = new FlakyDb();
    const store = new CallStore(db, log, { writeDelayMs: 100 });
    const calls = Array.from({ length: 30 }, (_, i) => record(`c${i}`));
    for (const r of calls) store.changed(source(r));
    for (const r of calls) {
      r.answeredAt = '2026-11-24T02:00:00.500Z';
      store.changed(source(r));
    }
    await vi.advanceTimersByTimeAsync(99);
    expect(db.writes).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(db.statements).toHaveLength(1);
    expect(db.statements[0]).toHaveLength(30);
    expect(db.rows.get('c7')?.answeredAt).toBe('2026-11-24T02:00:00.500Z');
    expect(store.pending).toBe(0);
  });

  it('keeps statements to batchSize records', async () => {
    const db = new FlakyDb();
    const store = new CallStore(db, log, { writeDelayMs: 10, batchSize: 4 });
    for (let i = 0; i < 10; i++) store.changed(source(record(`c${i}`)));
    await vi.advanceTimersByTimeAsync(10);
    expect(db.statements.map((ids) => ids.length)).toEqual([4, 4, 2]);
  });

  it('a change made while its record is being written is written too, with the newest state', async () => {
    let release: () => void = () => {};
    const db = new FlakyDb();
    const slow = {
      upsert: async (rs: readonly CallRecord[]) => {
        const snapshot = rs.map((r) => structuredClone(r));
        await new Promise<void>((resolve) => (release = resolve));
        await db.upsert(snapshot);
      },
    };
    const store = new CallStore(slow, log, { writeDelayMs: 0 });
    const r = record('a');
    store.changed(source(r));
    await vi.advanceTimersByTimeAsync(0);
    r.endedAt = '2026-11-24T02:00:09.000Z';
    store.changed(source(r));
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(db.rows.get('a')?.endedAt).toBeNull();
    expect(store.pending).toBe(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(db.rows.get('a')?.endedAt).toBe('2026-11-24T02:00:09.000Z');
    expect(store.pending).toBe(0);
  });

  it('flush waits for pending writes and reports whether all were written', async () => {
    const db = new FlakyDb();
    db.down = true;
    const store = new CallStore(db, log, { baseDelayMs: 50, maxDelayMs: 50 });
    store.changed(source(record('x')));
    const flushed = store.flush(300);
    await vi.advanceTimersByTimeAsync(400);
    expect(await flushed).toBe(false);
    db.down = false;
    const again = store.flush(1000);
    await vi.advanceTimersByTimeAsync(400);
    expect(await again).toBe(true);
  });
});
