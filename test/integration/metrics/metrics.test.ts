import Fastify from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { migrate } from '../../../src/db/migrate.ts';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import type { ServiceBase } from '../../../src/feature.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { createMetrics } from '../../../src/metrics/index.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

/** GET /metrics on a real PostgreSQL: what Prometheus scrapes from one node. */
let cluster: PgCluster;
let pool: pg.Pool;
let ariUp = true;
const config = { ...loadConfig({}), node: { id: 'node-a', cluster: false } };

const record = (outcome: string, acceptSeconds: number | null): CallRecord => ({
  id: crypto.randomUUID(), channelId: 'c', sipCallId: '', direction: 'inbound', parentCallId: null, callerNumber: '13800138000', calledNumber: '95007',
  language: 'zh-CN', category: null, startedAt: '2026-11-24T02:00:00Z', answeredAt: '2026-11-24T02:00:00Z', endedAt: '2026-11-24T02:01:00Z',
  nodes: [], keys: [], outcome: outcome as CallRecord['outcome'], outcomeDetail: {}, endedNode: null, endedBy: 'caller',
  emergency: acceptSeconds === null ? null : ({ acceptSeconds } as unknown as CallRecord['emergency']), resumedCount: 0,
});

function feature(p: pg.Pool) {
  const base = { config, db: { pool: p }, runner: { activeCalls: 3 } } as unknown as Pick<ServiceBase, 'config' | 'db' | 'runner'>;
  return createMetrics(base, { ariUp: () => ariUp });
}

async function scrape(f: ReturnType<typeof feature>): Promise<{ type: string; text: string }> {
  const app = Fastify();
  await f.routes!(app);
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  await app.close();
  expect(res.statusCode).toBe(200);
  return { type: String(res.headers['content-type']), text: res.body };
}

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 3 });
  await migrate(pool, createLogger('silent'));
  for (const status of ['pending', 'pending', 'dialing', 'done']) {
    await pool.query(`insert into callback_jobs (id, kind, priority, number, status, due_at, max_attempts) values (gen_random_uuid(), 'survey', 1, '1380', $1, now(), 3)`, [status]);
  }
});

afterAll(async () => {
  await pool?.end();
  await cluster?.stop();
});

describe('GET /metrics', () => {
  it('counts calls by outcome, times emergency acceptance, and reads the shared queues, all labelled with the node', async () => {
    const m = feature(pool);
    m.callEnded(record('emergency-accepted', 12));
    m.callEnded(record('emergency-accepted', 40));
    m.callEnded(record('voicemail', null));
    const { type, text } = await scrape(m);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(text).toContain('hotline_calls_total{direction="inbound",outcome="emergency-accepted",node="node-a"} 2');
    expect(text).toContain('hotline_calls_total{direction="inbound",outcome="voicemail",node="node-a"} 1');
    expect(text).toContain('hotline_emergency_accept_seconds_bucket{le="15",node="node-a"} 1');
    expect(text).toContain('hotline_emergency_accept_seconds_bucket{le="45",node="node-a"} 2');
    expect(text).toContain('hotline_emergency_accept_seconds_count{node="node-a"} 2');
    expect(text).toContain('hotline_calls_in_progress{node="node-a"} 3');
    expect(text).toContain('hotline_ari_up{node="node-a"} 1');
    expect(text).toContain('hotline_database_up{node="node-a"} 1');
    expect(text).toContain('hotline_outbound_queue_depth{status="pending",scope="cluster",node="node-a"} 2');
    expect(text).toContain('hotline_outbound_queue_depth{status="dialing",scope="cluster",node="node-a"} 1');
    expect(text).toContain('hotline_outbox_backlog{scope="cluster",node="node-a"} 0');
    expect(text).toMatch(/process_cpu_seconds_total\{node="node-a"\} \d/);
    expect(text).not.toMatch(/13800138000/);
  });

  it('says the database and Asterisk are down rather than hang or show stale figures', async () => {
    ariUp = false;
    // Nothing listens on port 9 of 127.0.0.1: the database is away.
    const away = new pg.Pool({ connectionString: 'postgres://x@127.0.0.1:9/none', connectionTimeoutMillis: 3000 });
    try {
      const { text } = await scrape(feature(away));
      expect(text).toContain('hotline_database_up{node="node-a"} 0');
      expect(text).toContain('hotline_ari_up{node="node-a"} 0');
      expect(text).not.toMatch(/hotline_outbound_queue_depth\{/);
    } finally {
      ariUp = true;
      await away.end();
    }
  });
});
