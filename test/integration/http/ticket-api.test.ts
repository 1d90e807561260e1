import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { parseRange } from '../../../src/http/range.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { createClock } from '../../../src/time/clock.ts';
import { deadlineFor } from '../../../src/tickets/deadline.ts';
import { TicketRepository } from '../../../src/tickets/ticket-repository.ts';
import { TicketService } from '../../../src/tickets/ticket-service.ts';
import type { TicketCategory, TicketDraft } from '../../../src/tickets/ticket.ts';
import { RecordingStore } from '../../../src/recordings/recording-store.ts';
import { toneWav } from '../../../src/audio/wav.ts';
import { buildAuthTestApp } from '../../support/auth-app.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

/**
 * The staff API for tickets on a real PostgreSQL: filters, changes with their
 * history, roles, malformed input, and the recording with Range requests.
 * The API's clock is Wednesday 2026-11-25 12:00 local.
 */
const SERVICE = 'test-service-token-0123456789';
const log = createLogger('silent');
const config = loadConfig({});
let cluster: PgCluster;
let pool: pg.Pool;
let app: FastifyInstance;
let repo: TicketRepository;
let store: RecordingStore;
let storeDir: string;
const tokens: Record<string, string> = {};
const as = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });
const call = (o: InjectOptions) => app.inject(o);
const audio = toneWav(2000);

async function ticket(category: TicketCategory, createdAt: string, callerNumber = '13800138000', withAudio = true) {
  const id = randomUUID();
  const level = category === 'complaint' ? 1 : null;
  const { acceptedAt, deadline } = deadlineFor(config.calendar, category, level, new Date(createdAt));
  const draft: TicketDraft = {
    id, category, level, callerNumber, callbackNumber: callerNumber, language: 'zh-CN', callId: null,
    createdAt, acceptedAt: acceptedAt.toISOString(), deadline: deadline.toISOString(), recordingName: `voicemail-${id}`,
  };
  await repo.create(draft);
  const stored = withAudio ? await store.save(id, new Date(createdAt), audio) : null;
  const { ticket } = await repo.completeRecording(id, stored, 'silence', new Date(createdAt));
  return ticket!;
}

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 3 });
  await migrate(pool, log);
  storeDir = await mkdtemp(path.join(tmpdir(), 'ticket-api-'));
  store = new RecordingStore(storeDir);
  repo = new TicketRepository(pool, config.calendar);
  const clock = createClock('2026-11-25T12:00:00+08:00');
  ({ app } = await buildAuthTestApp(pool, log, SERVICE, {}, { tickets: { tickets: new TicketService(repo, config.calendar), recordings: store, clock } }));
  for (const [username, role] of [['alice', 'agent'], ['sam', 'supervisor']] as const) {
    const password = `${username}-password-123`;
    const res = await call({ method: 'POST', url: '/api/staff', headers: { authorization: `Bearer ${SERVICE}` }, payload: { username, role, displayName: username, password } });
    expect(res.statusCode, res.body).toBe(201);
    tokens[username] = (await call({ method: 'POST', url: '/api/auth/login', payload: { username, password } })).json().token;
  }
});

afterAll(async () => {
  await app?.close();
  await pool?.end();
  await cluster?.stop();
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

describe('listing and filtering', () => {
  it('filters by status, category, overdue, date range and text, with the total', async () => {
    const repair = await ticket('repair', '2026-11-24T15:00:00.000Z', '13911112222');
    const complaint = await ticket('complaint', '2026-11-24T15:05:00.000Z', '13933334444');
    const billing = await ticket('billing', '2026-11-20T02:00:00.000Z', '13955556666');
    const list = async (q: string) => {
      const res = await call({ method: 'GET', url: `/api/tickets?${q}`, headers: as('alice') });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { tickets: Array<{ reference: string; overdue: boolean }>; total: number };
    };
    const refs = (r: { tickets: Array<{ reference: string }> }) => r.tickets.map((t) => t.reference);

    expect(refs(await list('category=repair,complaint&from=2026-11-24T00:00:00Z'))).toEqual([complaint.reference, repair.reference]);
    // At Wed 12:00 the complaint (2 h from Wed 08:00) and the old billing question (48 h) are overdue; the repair is not.
    const overdue = await list('overdue=true');
    expect(refs(overdue).sort()).toEqual([billing.reference, complaint.reference].sort());
    expect(overdue.tickets.every((t) => t.overdue)).toBe(true);
    expect(refs(await list('q=3333'))).toEqual([complaint.reference]);
    expect(refs(await list(`q=${repair.reference}`))).toEqual([repair.reference]);
    const paged = await list('limit=1&offset=1&from=2026-11-24T00:00:00Z');
    expect(paged.total).toBe(2);
    expect(refs(paged)).toEqual([repair.reference]);
    expect((await list('status=closed')).total).toBe(0);
  });

  it('answers 400 with a message for malformed filters', async () => {
    for (const q of ['status=done', 'category=gas', 'overdue=perhaps', 'from=yesterday', 'limit=0', 'limit=9999', 'colour=red']) {
      const res = await call({ method: 'GET', url: `/api/tickets?${q}`, headers: as('alice') });
      expect(res.statusCode, q).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad-request', message: expect.any(String) });
    }
  });
});

describe('reading and changing one ticket', () => {
  it('status changes and notes go to the history with who made them; a transition the status does not allow is 409', async () => {
    const t = await ticket('repair', '2026-11-25T01:00:00.000Z');
    const patch = (who: string, payload: object) => call({ method: 'PATCH', url: `/api/tickets/${t.reference}`, headers: as(who), payload });

    let res = await patch('alice', { assignee: 'alice', note: 'called the customer, no answer' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().ticket).toMatchObject({ status: 'assigned', assignee: 'alice' });
    res = await patch('alice', { status: 'in_progress' });
    expect(res.json().ticket.status).toBe('in_progress');
    res = await patch('alice', { status: 'closed' });
    expect(res.statusCode).toBe(409);
    expect(res.json().message).toMatch(/in_progress.*not closed/);
    res = await patch('alice', { status: 'resolved' });
    expect(res.statusCode).toBe(200);

    const read = await call({ method: 'GET', url: `/api/tickets/${t.id}`, headers: as('alice') });
    expect(read.statusCode).toBe(200);
    const { ticket: after, history } = read.json();
    expect(after).toMatchObject({ reference: t.reference, status: 'resolved', recording: { state: 'stored', url: `/api/tickets/${t.reference}/recording` } });
    expect(history.map((h: any) => [h.actor, h.action, h.to ?? h.note])).toEqual([
      ['hotline', 'created', expect.anything()],
      ['hotline', 'recorded', expect.anything()],
      ['alice', 'assignee', 'alice'],
      ['alice', 'status', 'assigned'],
      ['alice', 'note', 'called the customer, no answer'],
      ['alice', 'status', 'in_progress'],
      ['alice', 'status', 'resolved'],
    ]);
  });

  it('the level and assigning to someone else need a supervisor (403 for an agent); a level on a repair is 400', async () => {
    const complaint = await ticket('complaint', '2026-11-25T01:10:00.000Z');
    const repair = await ticket('repair', '2026-11-25T01:20:00.000Z');
    const patch = (who: string, ref: string, payload: object) => call({ method: 'PATCH', url: `/api/tickets/${ref}`, headers: as(who), payload });
    expect((await patch('alice', complaint.reference, { level: 3 })).statusCode).toBe(403);
    expect((await patch('alice', complaint.reference, { assignee: 'sam' })).statusCode).toBe(403);
    const res = await patch('sam', complaint.reference, { level: 3, assignee: 'alice' });
    expect(res.statusCode, res.body).toBe(200);
    // Level 3: 4 working days from the acceptance (Wed 09:10 local) is Tue 1 Dec 09:10.
    expect(res.json().ticket).toMatchObject({ level: 3, assignee: 'alice', deadline: '2026-12-01T01:10:00.000Z' });
    expect((await patch('sam', repair.reference, { level: 2 })).statusCode).toBe(400);
  });

  it('an agent gives back a ticket of their own (it is new again), but not someone else\'s', async () => {
    const t = await ticket('billing', '2026-11-25T01:40:00.000Z');
    const patch = (who: string, payload: object) => call({ method: 'PATCH', url: `/api/tickets/${t.reference}`, headers: as(who), payload });
    expect((await patch('sam', { assignee: 'sam' })).statusCode).toBe(200);
    const refused = await patch('alice', { assignee: null });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toBe('agents can only give back tickets assigned to themselves');
    expect((await patch('sam', { assignee: 'alice' })).statusCode).toBe(200);
    const released = await patch('alice', { assignee: null });
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json().ticket).toMatchObject({ assignee: null, status: 'new' });
  });

  it('refuses malformed changes with 400, unknown tickets with 404, and no token with 401', async () => {
    const t = await ticket('other', '2026-11-25T01:30:00.000Z');
    for (const payload of [{}, { status: 'done' }, { level: 7 }, { callbackNumber: '12ab' }, { assignee: 'X Y' }, { colour: 'red' }]) {
      const res = await call({ method: 'PATCH', url: `/api/tickets/${t.reference}`, headers: as('sam'), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await call({ method: 'GET', url: '/api/tickets/HL-20261125-9999', headers: as('alice') })).statusCode).toBe(404);
    expect((await call({ method: 'GET', url: '/api/tickets/not-a-ticket', headers: as('alice') })).statusCode).toBe(400);
    expect((await call({ method: 'GET', url: '/api/tickets' })).statusCode).toBe(401);
    expect((await call({ method: 'GET', url: `/api/tickets/${t.reference}` })).statusCode).toBe(401);
  });
});

describe('the recording', () => {
  it('streams audio/wav to staff, whole or by range; 416 past its end; 401 without a token; 404 when there is none', async () => {
    const t = await ticket('repair', '2026-11-25T02:00:00.000Z');
    const url = `/api/tickets/${t.reference}/recording`;
    const whole = await call({ method: 'GET', url, headers: as('alice') });
    expect(whole.statusCode).toBe(200);
    expect(whole.headers['content-type']).toBe('audio/wav');
    expect(whole.headers['accept-ranges']).toBe('bytes');
    expect(whole.rawPayload.equals(audio)).toBe(true);

    const part = await call({ method: 'GET', url, headers: { ...as('alice'), range: 'bytes=44-143' } });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 44-143/${audio.length}`);
    expect(part.rawPayload.equals(audio.subarray(44, 144))).toBe(true);
    const tail = await call({ method: 'GET', url, headers: { ...as('alice'), range: 'bytes=-10' } });
    expect(tail.rawPayload.equals(audio.subarray(audio.length - 10))).toBe(true);
    const beyond = await call({ method: 'GET', url, headers: { ...as('alice'), range: `bytes=${audio.length}-` } });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-range']).toBe(`bytes */${audio.length}`);

    expect((await call({ method: 'GET', url })).statusCode).toBe(401);
    const silent = await ticket('other', '2026-11-25T02:10:00.000Z', '13800138000', false);
    const none = await call({ method: 'GET', url: `/api/tickets/${silent.reference}/recording`, headers: as('alice') });
    expect(none.statusCode).toBe(404);
    expect(none.json().message).toMatch(/no recording \(empty\)/);
  });

  it('parses Range headers as RFC 9110 says', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=95-200', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=-5', 100)).toEqual({ start: 95, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('invalid');
    expect(parseRange('bytes=5-1', 100)).toBe('invalid');
    expect(parseRange('bytes=-0', 100)).toBe('invalid');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });
});

describe('a database whose migrations have not run yet', () => {
  it('answers 503 with retry-after, not 500', async () => {
    await pool.query('create database not_migrated');
    const fresh = new pg.Pool({ connectionString: cluster.url.replace(/\/postgres$/, '/not_migrated'), max: 1 });
    const early = await buildAuthTestApp(fresh, log, SERVICE, {}, {
      tickets: { tickets: new TicketService(new TicketRepository(fresh, config.calendar), config.calendar), recordings: store, clock: createClock() },
    });
    try {
      const res = await early.app.inject({ method: 'GET', url: '/api/tickets', headers: { authorization: `Bearer ${SERVICE}` } });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toEqual({ error: 'unavailable', message: 'the database is not ready yet (migrations pending); try again shortly' });
    } finally {
      await early.app.close();
      await fresh.end();
    }
  });
});
