import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { CallRepository } from '../../../src/calls/call-repository.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { buildAuthTestApp } from '../../support/auth-app.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

/** The HTTP API with app.inject on a real, migrated PostgreSQL. Tuesday 10:00 local: open. */
const TOKEN = 'test-admin-token-0123456789';
const log = createLogger('silent');
let cluster: PgCluster;
let pool: pg.Pool;
let app: FastifyInstance;
let calls: CallRepository;

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  await migrate(pool, log);
  calls = new CallRepository(pool, 'node-a');
  ({ app } = await buildAuthTestApp(pool, log, TOKEN));
});

afterAll(async () => {
  await app?.close();
  await pool?.end();
  await cluster?.stop();
});

const auth = { authorization: `Bearer ${TOKEN}` };

describe('HTTP API', () => {
  it('health needs no token and says what is up', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'ok', ready: true, problems: [], ari: true, database: true, activeCalls: 0, pendingRecords: 0,
      telephony: { legs: 0, pendingWaits: 0, bridges: 0 },
    });
  });

  it('refuses the operations API without a valid bearer token', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token' }, { authorization: `Basic ${TOKEN}` }]) {
      const res = await app.inject({ method: 'GET', url: '/api/routing', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json().error).toBe('unauthorized');
    }
  });

  it('reports the line open in business hours, with the service-hours sentence', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/routing', headers: auth });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ open: true, reason: 'hours', dayKind: 'workday', override: null, nextChange: '2026-11-24T12:00:00.000Z' });
    expect(body.serviceHours['en-US']).toMatch(/Monday to Friday from 8 a\.m\. to 8 p\.m\./);
  });

  it('switches the line to night mode until a time, stores it, and clears it again', async () => {
    const set = await app.inject({
      method: 'PUT', url: '/api/routing/override', headers: auth,
      payload: { mode: 'night', until: '2026-11-24T12:00:00+08:00', reason: 'staff meeting', setBy: 'supervisor 7' },
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({
      open: false, reason: 'override-night', nextChange: '2026-11-24T04:00:00.000Z',
      override: { mode: 'night', until: '2026-11-24T04:00:00.000Z', setBy: 'supervisor 7', reason: 'staff meeting' },
    });
    const { rows } = await pool.query('select mode, set_by from routing_override');
    expect(rows).toEqual([{ mode: 'night', set_by: 'supervisor 7' }]);

    const cleared = await app.inject({ method: 'DELETE', url: '/api/routing/override?setBy=supervisor%207', headers: auth });
    expect(cleared.statusCode).toBe(200);
    expect(cleared.json()).toMatchObject({ open: true, override: null });
  });

  it.each([
    ['an end in the past', { mode: 'night', until: '2026-11-24T09:00:00+08:00' }, /in the future/],
    ['an end too far ahead', { mode: 'day', until: '2027-06-01T00:00:00+08:00' }, /at most 31 days/],
    ['an unknown mode', { mode: 'evening', until: '2026-11-24T12:00:00+08:00' }, /mode/],
    ['a time that is not a time', { mode: 'night', until: 'tonight' }, /until/],
    ['a missing field', { mode: 'night' }, /until/],
    ['an unknown field', { mode: 'night', until: '2026-11-24T12:00:00+08:00', force: true }, /additional/],
  ])('answers 400 with the reason for %s', async (_, payload, reason) => {
    const res = await app.inject({ method: 'PUT', url: '/api/routing/override', headers: auth, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('bad-request');
    expect(res.json().message).toMatch(reason);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const res = await app.inject({
      method: 'PUT', url: '/api/routing/override', headers: { ...auth, 'content-type': 'application/json' }, payload: '{"mode": "night",',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/JSON/i);
  });

  it('lists and reads call records, and says clearly what is wrong with a bad id', async () => {
    const record: CallRecord = {
      id: '7a4f3c2e-1d2b-4c5a-9e8f-0123456789ab', channelId: 'ch-1', sipCallId: 'sip-1@test', direction: 'inbound',
      parentCallId: null, callerNumber: '13800138000', calledNumber: '95158', language: 'zh-CN', category: 'repair',
      startedAt: '2026-11-24T02:00:00.000Z', answeredAt: '2026-11-24T02:00:00.100Z', endedAt: '2026-11-24T02:01:00.000Z',
      nodes: [{ node: 'greeting', at: '2026-11-24T02:00:00.200Z' }], keys: [{ key: '2', node: 'main-menu', at: '2026-11-24T02:00:20.000Z' }],
      outcome: 'transferred', outcomeDetail: { answeredBy: 'desk1' }, endedNode: 'desk-repair', endedBy: 'caller',
      emergency: null, resumedCount: 0,
    };
    await calls.upsert([record]);

    const list = await app.inject({ method: 'GET', url: '/api/calls?limit=5', headers: auth });
    expect(list.statusCode).toBe(200);
    // Every record names the node that carried the call.
    expect(list.json().calls).toEqual([{ ...record, nodeId: 'node-a' }]);
    const bySip = await app.inject({ method: 'GET', url: '/api/calls?sipCallId=sip-1%40test', headers: auth });
    expect(bySip.json().calls.map((c: CallRecord) => c.id)).toEqual([record.id]);
    const one = await app.inject({ method: 'GET', url: `/api/calls/${record.id}`, headers: auth });
    expect(one.json()).toEqual({ ...record, nodeId: 'node-a' });

    const badId = await app.inject({ method: 'GET', url: '/api/calls/42', headers: auth });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().message).toMatch(/uuid/);
    const missing = await app.inject({ method: 'GET', url: '/api/calls/00000000-0000-4000-8000-000000000000', headers: auth });
    expect(missing.statusCode).toBe(404);
    const badLimit = await app.inject({ method: 'GET', url: '/api/calls?limit=100000', headers: auth });
    expect(badLimit.statusCode).toBe(400);
  });

  it('answers 404 in JSON for a route that does not exist', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/nothing', headers: auth });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not-found', message: 'no route GET /api/nothing' });
  });
});
