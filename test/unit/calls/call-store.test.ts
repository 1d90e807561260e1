import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CallRecord } from '../../../src/domain/call-record.ts';
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

/** A database that refuses connections while `down` is true and keeps what it was given. */
class FlakyDb {
  down = false;
  rows = new Map<string, CallRecord>();
  writes = 0;
  async upsert(r: CallRecord): Promise<void> {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    this.writes++;
    this.rows.set(r.id, structuredClone(r));
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
    store.save(record('a'));
    store.save(record('a', { nodes: [{ node: 'greeting', at: '2026-11-24T02:00:01.000Z' }] }));
    store.save(record('b', { outcome: 'abandoned', endedAt: '2026-11-24T02:00:05.000Z' }));
    await vi.advanceTimersByTimeAsync(5000);
    expect(db.rows.size).toBe(0);
    expect(store.pending).toBe(2);

    db.down = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(store.pending).toBe(0);
    expect(db.rows.get('a')?.nodes.map((n) => n.node)).toEqual(['greeting']);
    expect(db.rows.get('b')?.outcome).toBe('abandoned');
    // Coalesced: one write per call, not one per change made during the outage.
    expect(db.writes).toBe(2);
  });

  it('drops a record the database rejects for what it is (not a connection problem) and goes on', async () => {
    const db = new FlakyDb();
    const failing = { upsert: async (r: CallRecord) => (r.id === 'bad' ? Promise.reject(new Error('value too long')) : db.upsert(r)) };
    const store = new CallStore(failing, log);
    store.save(record('bad'));
    store.save(record('good'));
    await vi.advanceTimersByTimeAsync(100);
    expect(store.pending).toBe(0);
    expect([...db.rows.keys()]).toEqual(['good']);
  });

  it('bounds memory in a very long outage, dropping the oldest finished call first', async () => {
    const db = new FlakyDb();
    db.down = true;
    const store = new CallStore(db, log, { maxPending: 2 });
    store.save(record('live-1'));
    store.save(record('ended', { endedAt: '2026-11-24T02:00:05.000Z' }));
    store.save(record('live-2'));
    expect(store.pending).toBe(2);
    db.down = false;
    const flushed = store.flush(5000);
    await vi.advanceTimersByTimeAsync(6000);
    expect(await flushed).toBe(true);
    expect([...db.rows.keys()].sort()).toEqual(['live-1', 'live-2']);
  });

  it('flush waits for pending writes and reports whether all were written', async () => {
    const db = new FlakyDb();
    db.down = true;
    const store = new CallStore(db, log, { baseDelayMs: 50, maxDelayMs: 50 });
    store.save(record('x'));
    const flushed = store.flush(300);
    await vi.advanceTimersByTimeAsync(400);
    expect(await flushed).toBe(false);
    db.down = false;
    const again = store.flush(1000);
    await vi.advanceTimersByTimeAsync(400);
    expect(await again).toBe(true);
  });
});
