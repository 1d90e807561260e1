import { randomUUID } from 'node:crypto';
import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAudit, type Audit } from '../../../src/audit/index.ts';
import { toneWav } from '../../../src/audio/wav.ts';
import { loadConfig } from '../../../src/config/load-config.ts';
import { migrate } from '../../../src/db/migrate.ts';
import type { ServiceDatabase } from '../../../src/feature.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { maskNumber } from '../../../src/logging/mask.ts';
import { RecordingStore } from '../../../src/recordings/recording-store.ts';
import { deadlineFor } from '../../../src/tickets/deadline.ts';
import { TicketRepository } from '../../../src/tickets/ticket-repository.ts';
import { TicketService } from '../../../src/tickets/ticket-service.ts';
import type { Ticket } from '../../../src/tickets/ticket.ts';
import { createClock } from '../../../src/time/clock.ts';
import { buildAuthTestApp } from '../../support/auth-app.ts';
import { captureLog } from '../../support/db-helpers.ts';
import { eventually } from '../../support/eventually.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

/**
 * The audit log (SEC-02/06/07) and the retention run (SEC-03) on a real
 * PostgreSQL: the audit feature's routes are added last to the app the auth
 * tests use, as the composition root adds them after the other features.
 */
const SERVICE = 'test-service-token-0123456789';
const log = createLogger('silent');
const baseConfig = loadConfig({});
const clock = createClock('2026-11-25T12:00:00+08:00');
const DAY = 86_400_000;
let cluster: PgCluster;
let pool: pg.Pool;
let app: FastifyInstance;
let audit: Audit;
let repo: TicketRepository;
let store: RecordingStore;
let storeDir: string;
const PASSWORDS = { alice: 'alice-password-123', sam: 'sam-password-123', ada: 'ada-password-123' };
const tokens: Record<string, string> = {};
const as = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });
const call = (o: InjectOptions) => app.inject(o);
const audio = toneWav(1000);

const dbOf = (p: pg.Pool): ServiceDatabase => ({ pool: p, ready: Promise.resolve(), whenMigrated: async () => undefined });

async function ticket(createdAt: Date, number: string): Promise<Ticket> {
  const id = randomUUID();
  const { acceptedAt, deadline } = deadlineFor(baseConfig.calendar, 'repair', null, createdAt);
  await repo.create({
    id, category: 'repair', level: null, callerNumber: number, callbackNumber: number, language: 'zh-CN', callId: null,
    createdAt: createdAt.toISOString(), acceptedAt: acceptedAt.toISOString(), deadline: deadline.toISOString(), recordingName: `voicemail-${id}`,
  });
  const stored = await store.save(id, createdAt, audio);
  return (await repo.completeRecording(id, stored, 'silence', createdAt)).ticket!;
}

/** Sets a ticket's status straight in the table, with the history of status changes at the given times. */
async function setStatus(t: Ticket, status: string, changes: Array<[string, Date]>): Promise<void> {
  await pool.query('update tickets set status = $2 where id = $1', [t.id, status]);
  for (const [to, at] of changes) {
    await pool.query(`insert into ticket_history (ticket_id, at, actor, action, from_value, to_value) values ($1, $2, 'sam', 'status', null, $3)`, [t.id, at, JSON.stringify(to)]);
  }
}

async function callRecord(startedAt: Date, direction: 'inbound' | 'callback', caller: string, called: string): Promise<string> {
  const id = randomUUID();
  await pool.query(
    `insert into calls (id, channel_id, direction, caller_number, called_number, language, started_at) values ($1, $2, $3, $4, $5, 'zh-CN', $6)`,
    [id, `ch-${id}`, direction, caller, called, startedAt],
  );
  return id;
}

/** A callback job with one attempt, last changed at `at`; with a stored survey comment completed then when `comment` is set. */
async function callbackJob(at: Date, status: string, number: string, comment = false): Promise<{ id: string; path: string | null }> {
  const id = randomUUID();
  await pool.query(
    `insert into callback_jobs (id, kind, priority, number, status, due_at, attempts, max_attempts, created_at, updated_at)
     values ($1, 'survey', 1, $2, $3, $4, 1, 3, $4, $4)`,
    [id, number, status, at],
  );
  await pool.query(`insert into callback_attempts (id, job_id, attempt, number, state, outcome, started_at) values ($1, $2, 1, $3, 'ended', 'answered', $4)`, [randomUUID(), id, number, at]);
  if (!comment) return { id, path: null };
  const stored = await store.save(`comment-${id}`, at, audio);
  await pool.query(
    `insert into survey_responses (job_id, score, satisfied, comment_name, comment_state, comment_path, answered_at, completed_at)
     values ($1, 4, true, $2, 'stored', $3, $4, $4)`,
    [id, `survey-comment-${id}`, stored.path, at],
  );
  return { id, path: stored.path };
}

async function auditRows(where = 'true', params: unknown[] = []) {
  return (await pool.query(`select * from audit_log where ${where} order by id`, params)).rows;
}

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 4 });
  await migrate(pool, log);
  storeDir = await mkdtemp(path.join(tmpdir(), 'audit-'));
  store = new RecordingStore(storeDir);
  repo = new TicketRepository(pool, baseConfig.calendar);
  const config = { ...baseConfig, voicemail: { ...baseConfig.voicemail, recordingsDir: storeDir } };
  audit = createAudit({ config, db: dbOf(pool), log, clock });
  ({ app } = await buildAuthTestApp(pool, log, SERVICE, {}, { tickets: { tickets: new TicketService(repo, baseConfig.calendar), recordings: store, clock } }));
  await audit.routes!(app);
  for (const [username, role] of [['alice', 'agent'], ['sam', 'supervisor'], ['ada', 'admin']] as const) {
    const res = await call({ method: 'POST', url: '/api/staff', headers: { authorization: `Bearer ${SERVICE}` }, payload: { username, role, displayName: username, password: PASSWORDS[username] } });
    expect(res.statusCode, res.body).toBe(201);
    tokens[username] = (await call({ method: 'POST', url: '/api/auth/login', payload: { username, password: PASSWORDS[username] } })).json().token;
  }
});

afterAll(async () => {
  await app?.close();
  for (const w of [...(audit?.workers ?? [])].reverse()) await w.stop();
  await pool?.end();
  await cluster?.stop();
  if (storeDir) await rm(storeDir, { recursive: true, force: true });
});

describe('the audit log', () => {
  it('keeps a change with actor, role, route and subject, and never its body', async () => {
    const t = await ticket(new Date('2026-11-24T02:00:00Z'), '13911112222');
    const note = 'secret-note-text-4711';
    const res = await call({ method: 'PATCH', url: `/api/tickets/${t.reference}?x=1`, headers: as('alice'), payload: { assignee: 'alice', note } });
    expect(res.statusCode, res.body).toBe(200);
    const [row] = await eventually(async () => {
      const rows = await auditRows('subject = $1', [t.reference]);
      return rows.length > 0 && rows;
    }, 'the audit row of the PATCH');
    expect(row).toMatchObject({
      actor: 'alice', role: 'agent', action: 'PATCH /api/tickets/:ref', method: 'PATCH',
      path: `/api/tickets/${t.reference}`, subject: t.reference, status: 200,
    });
    expect(row.detail).toMatchObject({ route: '/api/tickets/:ref', principal: 'staff' });
    expect(JSON.stringify(row)).not.toContain(note);
    // The staff accounts made by the service token were kept too (routes of another feature, added before the hook).
    const staff = await eventually(async () => {
      const rows = await auditRows(`action = 'POST /api/staff'`);
      return rows.length === 3 && rows;
    }, 'the rows of the staff accounts made');
    expect(staff.map((r) => r.actor)).toEqual(['service', 'service', 'service']);
    expect(JSON.stringify(staff)).not.toContain(PASSWORDS.alice);
  });

  it('keeps every read of a recording, refused ones included, and no other read', async () => {
    const t = await ticket(new Date('2026-11-24T03:00:00Z'), '13922223333');
    const res = await call({ method: 'GET', url: `/api/tickets/${t.reference}/recording`, headers: { ...as('sam'), range: 'bytes=0-99' } });
    expect(res.statusCode).toBe(206);
    expect((await call({ method: 'GET', url: `/api/tickets/${t.reference}`, headers: as('sam') })).statusCode).toBe(200);
    const rows = await eventually(async () => {
      const r = await auditRows(`subject = $1`, [t.reference]);
      return r.length > 0 && r;
    }, 'the audit row of the recording read');
    await new Promise((r) => setTimeout(r, 200)); // nothing else is on its way
    expect(await auditRows(`subject = $1`, [t.reference])).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: 'sam', role: 'supervisor', action: 'recording.read', method: 'GET', subject: t.reference, status: 206 });
    expect(rows[0].detail).toMatchObject({ range: 'bytes=0-99' });
  });

  it('keeps no login, failed or not, and nothing of its body', async () => {
    const wrong = 'wrong-password-0815';
    expect((await call({ method: 'POST', url: '/api/auth/login', payload: { username: 'alice', password: wrong } })).statusCode).toBe(401);
    expect((await call({ method: 'POST', url: '/api/auth/session', payload: { username: 'alice', password: wrong } })).statusCode).toBe(401);
    // A request audited after them: once it is in, they would be too.
    expect((await call({ method: 'POST', url: '/api/auth/logout', headers: as('alice') })).statusCode).toBeLessThan(300);
    await eventually(async () => (await auditRows(`action = 'POST /api/auth/logout'`)).length === 1, 'the logout row');
    const all = await auditRows();
    expect(all.filter((r) => r.path.startsWith('/api/auth/login') || r.path.startsWith('/api/auth/session'))).toEqual([]);
    expect(JSON.stringify(all)).not.toContain(wrong);
    tokens.alice = (await call({ method: 'POST', url: '/api/auth/login', payload: { username: 'alice', password: PASSWORDS.alice } })).json().token;
  });

  it('shows the log to admins only, filtered', async () => {
    expect((await call({ method: 'GET', url: '/api/audit' })).statusCode).toBe(401);
    expect((await call({ method: 'GET', url: '/api/audit', headers: as('sam') })).statusCode).toBe(403);
    expect((await call({ method: 'GET', url: '/api/audit', headers: as('alice') })).statusCode).toBe(403);
    const res = await call({ method: 'GET', url: '/api/audit?actor=sam&action=recording.read&limit=10', headers: as('ada') });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.total).toBe(1);
    expect(body.entries[0]).toMatchObject({ actor: 'sam', action: 'recording.read', status: 206, at: expect.any(String) });
    const future = await call({ method: 'GET', url: `/api/audit?from=${encodeURIComponent(new Date(Date.now() + DAY).toISOString())}`, headers: as('ada') });
    expect(future.json()).toEqual({ entries: [], total: 0 });
    expect((await call({ method: 'GET', url: '/api/audit?limit=0', headers: as('ada') })).statusCode).toBe(400);
    expect((await call({ method: 'GET', url: '/api/audit?colour=red', headers: as('ada') })).statusCode).toBe(400);
  });

  it('is append-only', async () => {
    await expect(pool.query(`update audit_log set actor = 'nobody'`)).rejects.toThrow(/append-only/);
    await expect(pool.query('delete from audit_log')).rejects.toThrow(/append-only/);
    await expect(pool.query('truncate audit_log')).rejects.toThrow(/append-only/);
  });

  it('gives up an entry it cannot write with a warning, never an error', async () => {
    const captured = captureLog();
    const away = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', connectionTimeoutMillis: 500 });
    const broken = createAudit({ config: baseConfig, db: dbOf(away), log: captured.log, clock }, { retentionEnabled: false });
    await expect(broken.record({ actor: 'x', action: 'test' })).resolves.toBeUndefined();
    expect(captured.messages('warn')).toContain('audit entry not written');
    await away.end();
  });
});

describe('retention', () => {
  it('masks numbers exactly as the logs do, and never twice', async () => {
    for (const n of ['13800138000', '+86 138-0013-8000', '110', '', 'anonymous', '*******8000', '****']) {
      const { rows } = await pool.query('select mask_number($1) as m', [n]);
      const expected = /^\*+[0-9]{0,4}$/.test(n) ? n : maskNumber(n);
      expect(rows[0].m, n).toBe(expected);
    }
  });

  it('deletes and anonymises exactly what expired, logs the counts, and does nothing the second time', async () => {
    const now = new Date();
    const ago = (days: number) => new Date(now.getTime() - days * DAY);
    // Closed 400 days ago: the audio goes (365), the numbers stay (730).
    const a = await ticket(ago(420), '13800000001');
    await setStatus(a, 'closed', [['closed', ago(400)]]);
    // Closed 800 days ago: both go.
    const b = await ticket(ago(820), '13800000002');
    await setStatus(b, 'closed', [['resolved', ago(801)], ['closed', ago(800)]]);
    // Closed 100 days ago: all stays.
    const c = await ticket(ago(120), '13800000003');
    await setStatus(c, 'closed', [['closed', ago(100)]]);
    // Old but only resolved, or closed long ago and reopened: all stays.
    const d = await ticket(ago(1000), '13800000004');
    await setStatus(d, 'resolved', [['resolved', ago(990)]]);
    const e = await ticket(ago(1000), '13800000005');
    await setStatus(e, 'reopened', [['closed', ago(990)], ['reopened', ago(10)]]);
    // Closed long ago, reopened and closed again 10 days ago: counts from the last closing.
    const f = await ticket(ago(1000), '13800000006');
    await setStatus(f, 'closed', [['closed', ago(990)], ['reopened', ago(20)], ['closed', ago(10)]]);
    const oldInbound = await callRecord(ago(800), 'inbound', '13900000001', '95007');
    const oldCallback = await callRecord(ago(731), 'callback', '95007', '13900000002');
    const recent = await callRecord(ago(100), 'inbound', '13900000003', '95007');
    // Outbound: a finished job 800 days old is masked with its attempt; a pending one and a recent one stay;
    // a comment completed 400 days ago loses its audio (365), one of 100 days keeps it.
    const oldJob = await callbackJob(ago(800), 'done', '13700000001');
    const pendingJob = await callbackJob(ago(800), 'pending', '13700000002');
    const recentJob = await callbackJob(ago(100), 'unreachable', '13700000003');
    const oldComment = await callbackJob(ago(400), 'done', '13700000004', true);
    const newComment = await callbackJob(ago(100), 'done', '13700000005', true);

    const counts = await audit.runRetention(now);
    expect(counts).toEqual({ recordingsDeleted: 2, recordingErrors: 0, ticketsAnonymised: 1, callsAnonymised: 2, callbacksAnonymised: 1, commentsDeleted: 1, localCopiesRemoved: 0 });

    const get = async (t: Ticket) => (await pool.query('select * from tickets where id = $1', [t.id])).rows[0];
    const exists = (rel: string) => access(store.resolve(rel)).then(() => true, () => false);
    for (const t of [a, b]) {
      expect((await get(t)).recording_path, t.reference).toBeNull();
      expect(await exists(t.recording.path!), t.reference).toBe(false);
    }
    for (const t of [c, d, e, f]) {
      expect((await get(t)).recording_path, t.reference).toBe(t.recording.path);
      expect(await exists(t.recording.path!), t.reference).toBe(true);
    }
    expect(await get(b)).toMatchObject({ caller_number: '*******0002', callback_number: '*******0002' });
    for (const [t, n] of [[a, '13800000001'], [c, '13800000003'], [d, '13800000004'], [e, '13800000005'], [f, '13800000006']] as const) {
      expect(await get(t), t.reference).toMatchObject({ caller_number: n, callback_number: n });
    }
    const calls = async (id: string) => (await pool.query('select caller_number, called_number from calls where id = $1', [id])).rows[0];
    expect(await calls(oldInbound)).toEqual({ caller_number: '*******0001', called_number: '95007' });
    // A callback's customer is the called number (its caller number, the hotline's own, is masked as well).
    expect(await calls(oldCallback)).toEqual({ caller_number: '*5007', called_number: '*******0002' });
    expect(await calls(recent)).toEqual({ caller_number: '13900000003', called_number: '95007' });
    const job = async (j: { id: string }) => ({
      job: (await pool.query('select number from callback_jobs where id = $1', [j.id])).rows[0].number,
      attempt: (await pool.query('select number from callback_attempts where job_id = $1', [j.id])).rows[0].number,
    });
    expect(await job(oldJob)).toEqual({ job: '*******0001', attempt: '*******0001' });
    expect(await job(pendingJob)).toEqual({ job: '13700000002', attempt: '13700000002' });
    expect(await job(recentJob)).toEqual({ job: '13700000003', attempt: '13700000003' });
    const comment = async (j: { id: string }) => (await pool.query('select comment_state, comment_path from survey_responses where job_id = $1', [j.id])).rows[0];
    expect(await comment(oldComment)).toEqual({ comment_state: 'deleted', comment_path: null });
    expect(await exists(oldComment.path!)).toBe(false);
    expect(await comment(newComment)).toEqual({ comment_state: 'stored', comment_path: newComment.path });
    expect(await exists(newComment.path!)).toBe(true);
    // The API says the message is gone rather than offering a link that fails.
    const shown = await call({ method: 'GET', url: `/api/tickets/${b.reference}`, headers: as('sam') });
    expect(shown.json().ticket.recording).toMatchObject({ state: 'deleted', url: null });
    const audio = await call({ method: 'GET', url: `/api/tickets/${b.reference}/recording`, headers: as('sam') });
    expect(audio.statusCode).toBe(404);
    expect(audio.json().message).toMatch(/deleted/);
    // The ticket's history says what retention did.
    const history = (await pool.query(`select to_value from ticket_history where ticket_id = $1 and action = 'retention' order by id`, [b.id])).rows;
    expect(history.map((h) => h.to_value)).toEqual([{ recording: 'deleted' }, { personalData: 'anonymised' }]);

    const logged = await auditRows(`action = 'retention'`);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ actor: 'hotline', detail: { ...counts, days: { recordings: 365, personalData: 730, callRecords: 730 } } });

    // Again: nothing left to do, nothing masked further, one more row with zeros.
    expect(await audit.runRetention(now)).toEqual({ recordingsDeleted: 0, recordingErrors: 0, ticketsAnonymised: 0, callsAnonymised: 0, callbacksAnonymised: 0, commentsDeleted: 0, localCopiesRemoved: 0 });
    expect(await get(b)).toMatchObject({ caller_number: '*******0002' });
    expect(await calls(oldInbound)).toMatchObject({ caller_number: '*******0001' });
    expect(await auditRows(`action = 'retention'`)).toHaveLength(2);
  });
});
