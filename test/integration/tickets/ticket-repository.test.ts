import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { deadlineFor } from '../../../src/tickets/deadline.ts';
import { TicketRepository } from '../../../src/tickets/ticket-repository.ts';
import { TicketConflictError, TicketInputError, type TicketChanges } from '../../../src/tickets/ticket-rules.ts';
import { TicketService } from '../../../src/tickets/ticket-service.ts';
import { NotFoundError } from '../../../src/errors/domain-error.ts';
import { STATUS_TRANSITIONS, TICKET_STATUSES, type StoredAudio, type TicketCategory, type TicketDraft } from '../../../src/tickets/ticket.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

const cal = loadConfig({}).calendar;
const log = createLogger('silent');

/** A voicemail's draft as the voicemail node makes it; created at Tue 2026-11-24 10:00 Shanghai unless told. */
function draft(over: Partial<TicketDraft> & { category?: TicketCategory } = {}): TicketDraft {
  const id = over.id ?? randomUUID();
  const category = over.category ?? 'complaint';
  const level = over.level !== undefined ? over.level : category === 'complaint' ? 1 : null;
  const createdAt = over.createdAt ?? '2026-11-24T02:00:00.000Z';
  const { acceptedAt, deadline } = deadlineFor(cal, category, level, new Date(createdAt));
  return {
    id,
    category,
    level,
    callerNumber: '13800138000',
    callbackNumber: '13800138000',
    language: 'zh-CN',
    callId: randomUUID(),
    acceptedAt: acceptedAt.toISOString(),
    deadline: deadline.toISOString(),
    recordingName: `voicemail-${id}`,
    ...over,
    createdAt,
  };
}

const AUDIO: StoredAudio = { path: '2026/11/x.wav', bytes: 16_044, ms: 1000, sha256: 'ab'.repeat(32) };

describe('TicketRepository on PostgreSQL', () => {
  let cluster: PgCluster | undefined;
  let pool: pg.Pool;
  let repo: TicketRepository;
  let service: TicketService;
  /**
   * A staff change by `actor` with a supervisor's rights (these tests are about
   * the status rules; roles: ticket-service.test.ts); null for an unknown ticket.
   */
  const update = (ref: string, changes: TicketChanges, actor: string) =>
    service.change(ref, changes, { kind: 'staff', username: actor, role: 'supervisor' }).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null;
      throw err;
    });

  beforeAll(async () => {
    cluster = await startPgCluster();
    pool = new pg.Pool({ connectionString: cluster.url, max: 4 });
    pool.on('error', () => {});
    await migrate(pool, log);
    repo = new TicketRepository(pool, cal);
    service = new TicketService(repo, cal);
  }, 60_000);

  afterAll(async () => {
    try {
      await pool?.end();
    } finally {
      await cluster?.stop();
    }
  });

  beforeEach(async () => {
    // TRUNCATE fires no row triggers: the only way to empty the append-only history.
    await pool.query('truncate ticket_history, tickets, ticket_day_counters');
  });

  const count = async (sql: string, params: unknown[] = []) => (await pool.query(sql, params)).rows[0].n as number;
  const historyActions = async (id: string) => (await repo.history(id)).map((h) => h.action);

  describe('create', () => {
    it('is idempotent: the same id twice is one row, one "created" entry, and the day counter used once', async () => {
      const d = draft();
      const first = await repo.create(d);
      const again = await repo.create(d);
      expect(again).toEqual(first);
      expect(first).toMatchObject({
        id: d.id,
        reference: 'HL-20261124-0001',
        category: 'complaint',
        level: 1,
        status: 'new',
        assignee: null,
        callerNumber: '13800138000',
        callbackNumber: '13800138000',
        language: 'zh-CN',
        callId: d.callId,
        source: 'voicemail',
        acceptedAt: d.acceptedAt,
        deadline: d.deadline,
        createdAt: d.createdAt,
        completedAt: null,
        recording: { state: 'recording', name: d.recordingName, path: null, bytes: null, ms: null, sha256: null, end: null },
      });
      expect(await count('select count(*)::int as n from tickets')).toBe(1);
      const history = await repo.history(d.id);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({
        actor: 'hotline',
        action: 'created',
        from: null,
        to: { category: 'complaint', level: 1, deadline: d.deadline, language: 'zh-CN' },
        note: null,
      });
      expect((await pool.query('select day::text, last from ticket_day_counters')).rows).toEqual([{ day: '2026-11-24', last: 1 }]);
      // The repeated create did not use a number: the next ticket of the day is 0002.
      expect((await repo.create(draft())).reference).toBe('HL-20261124-0002');
    });

    it('two creates of the same id at once still make one ticket (the keeper and the reconciler may race)', async () => {
      for (let round = 1; round <= 10; round++) {
        const d = draft();
        const results = await Promise.all([repo.create(d), repo.create(d), repo.create(d), repo.create(d)]);
        for (const r of results) expect(r).toEqual(results[0]);
        expect(results[0]!.reference).toBe(`HL-20261124-${String(round).padStart(4, '0')}`);
        expect(await historyActions(d.id)).toEqual(['created']);
      }
      expect(await count('select count(*)::int as n from tickets')).toBe(10);
      expect((await repo.create(draft())).reference).toBe('HL-20261124-0011');
    });

    it('numbers references HL-YYYYMMDD-NNNN per local (Asia/Shanghai) day', async () => {
      const refs: string[] = [];
      for (const createdAt of [
        '2026-11-24T02:00:00.000Z', // 24th 10:00 local
        '2026-11-24T15:59:59.999Z', // 24th 23:59:59.999 local
        '2026-11-24T17:00:00.000Z', // 25th 01:00 local
        '2026-11-23T16:00:00.000Z', // 24th 00:00 local
        '2026-11-25T03:00:00.000Z', // 25th 11:00 local
      ]) {
        refs.push((await repo.create(draft({ createdAt }))).reference);
      }
      expect(refs).toEqual(['HL-20261124-0001', 'HL-20261124-0002', 'HL-20261125-0001', 'HL-20261124-0003', 'HL-20261125-0002']);
    });

    it('uses the configured prefix', async () => {
      const other = new TicketRepository(pool, cal, 'GAS');
      expect((await other.create(draft())).reference).toBe('GAS-20261124-0001');
    });

    it('get finds a ticket by id or by reference', async () => {
      const t = await repo.create(draft());
      expect((await repo.get(t.id))?.reference).toBe(t.reference);
      expect((await repo.get(t.reference))?.id).toBe(t.id);
      expect(await repo.get(randomUUID())).toBeNull();
      expect(await repo.get('HL-20991231-0001')).toBeNull();
    });
  });

  describe('completeRecording', () => {
    it('completes once: a second call changes nothing and writes no second history entry', async () => {
      const d = draft();
      await repo.create(d);
      const at = new Date('2026-11-24T02:01:10.000Z');
      const first = await repo.completeRecording(d.id, AUDIO, 'silence', at);
      expect(first.changed).toBe(true);
      expect(first.ticket).toMatchObject({
        completedAt: at.toISOString(),
        recording: { state: 'stored', name: d.recordingName, path: AUDIO.path, bytes: AUDIO.bytes, ms: AUDIO.ms, sha256: AUDIO.sha256, end: 'silence' },
      });
      const second = await repo.completeRecording(d.id, { ...AUDIO, ms: 5 }, 'restart', new Date('2026-11-24T03:00:00.000Z'));
      expect(second.changed).toBe(false);
      expect(second.ticket).toEqual(first.ticket);
      const history = await repo.history(d.id);
      expect(history.map((h) => h.action)).toEqual(['created', 'recorded']);
      expect(history[1]).toMatchObject({ actor: 'hotline', to: { ms: 1000, bytes: AUDIO.bytes, end: 'silence' } });
    });

    it('a caller who left no audio: state "empty"', async () => {
      const d = draft();
      await repo.create(d);
      const { changed, ticket } = await repo.completeRecording(d.id, null, 'hangup', new Date('2026-11-24T02:00:20.000Z'));
      expect(changed).toBe(true);
      expect(ticket?.recording).toEqual({ state: 'empty', name: d.recordingName, path: null, bytes: null, ms: null, sha256: null, speechMs: 0, end: 'hangup', node: '' });
      expect((await repo.history(d.id))[1]).toMatchObject({ action: 'recorded', to: { empty: true, end: 'hangup' } });
    });

    it('an unknown ticket: changed false, ticket null', async () => {
      expect(await repo.completeRecording(randomUUID(), AUDIO, 'silence', new Date())).toEqual({ changed: false, ticket: null });
    });

    it('unfinished lists the tickets still recording, oldest first', async () => {
      const a = await repo.create(draft({ createdAt: '2026-11-24T03:00:00.000Z' }));
      const b = await repo.create(draft({ createdAt: '2026-11-24T02:00:00.000Z' }));
      const c = await repo.create(draft({ createdAt: '2026-11-24T01:00:00.000Z' }));
      await repo.completeRecording(c.id, null, 'hangup', new Date());
      expect((await repo.unfinished([''])).map((t) => t.id)).toEqual([b.id, a.id]);
    });
  });

  describe('no message (the caller said nothing)', () => {
    it('is marked from the measured speech: none, under a second, or no audio at all; and can be listed apart', async () => {
      const silent = await repo.create(draft({ category: 'repair' }));
      const spoken = await repo.create(draft({ category: 'repair' }));
      const empty = await repo.create(draft({ category: 'repair' }));
      const unmeasured = await repo.create(draft({ category: 'repair' }));
      await repo.completeRecording(silent.id, { ...AUDIO, speechMs: 200 }, 'silence', new Date());
      await repo.completeRecording(spoken.id, { ...AUDIO, speechMs: 5400 }, 'key', new Date());
      await repo.completeRecording(empty.id, null, 'hangup', new Date());
      await repo.completeRecording(unmeasured.id, AUDIO, 'key', new Date());
      expect(await repo.get(silent.id)).toMatchObject({ noMessage: true, recording: { state: 'stored', speechMs: 200 } });
      expect(await repo.get(spoken.id)).toMatchObject({ noMessage: false, recording: { speechMs: 5400 } });
      expect(await repo.get(empty.id)).toMatchObject({ noMessage: true, recording: { state: 'empty', speechMs: 0 } });
      expect(await repo.get(unmeasured.id)).toMatchObject({ noMessage: false, recording: { speechMs: null } });

      const ids = [silent, spoken, empty, unmeasured].map((t) => t.id);
      const listed = async (noMessage: boolean) =>
        (await repo.list({ noMessage, limit: 500, offset: 0 }, new Date())).tickets.map((t) => t.id).filter((id) => ids.includes(id)).sort();
      expect(await listed(true)).toEqual([silent.id, empty.id].sort());
      expect(await listed(false)).toEqual([spoken.id, unmeasured.id].sort());
    });
  });

  describe('update', () => {
    it('an assignee on a new ticket makes it assigned, each change in the history with its actor', async () => {
      const t = await repo.create(draft());
      const after = await update(t.id, { assignee: 'wang' }, 'supervisor-li');
      expect(after).toMatchObject({ status: 'assigned', assignee: 'wang' });
      const history = (await repo.history(t.id)).slice(1);
      expect(history).toMatchObject([
        { actor: 'supervisor-li', action: 'assignee', from: null, to: 'wang' },
        { actor: 'supervisor-li', action: 'status', from: 'new', to: 'assigned' },
      ]);
      expect(Date.parse(after!.updatedAt)).toBeGreaterThanOrEqual(Date.parse(t.updatedAt));
    });

    it('an explicit status wins over the implied "assigned"; a reopened ticket taken is assigned', async () => {
      const t = await repo.create(draft());
      expect(await update(t.reference, { assignee: 'wang', status: 'in_progress' }, 'wang')).toMatchObject({ status: 'in_progress', assignee: 'wang' });
      await update(t.id, { status: 'resolved' }, 'wang');
      await update(t.id, { status: 'reopened' }, 'supervisor-li');
      expect(await update(t.id, { assignee: 'zhao' }, 'supervisor-li')).toMatchObject({ status: 'assigned', assignee: 'zhao' });
      // Re-assigning an assigned ticket only changes the assignee.
      expect(await update(t.id, { assignee: 'wang' }, 'supervisor-li')).toMatchObject({ status: 'assigned', assignee: 'wang' });
    });

    it('un-assigning an assigned ticket puts it back to new; an in-progress one keeps its status', async () => {
      const t = await repo.create(draft());
      await update(t.id, { assignee: 'wang' }, 'supervisor-li');
      expect(await update(t.id, { assignee: null }, 'supervisor-li')).toMatchObject({ status: 'new', assignee: null });
      await update(t.id, { assignee: 'zhao', status: 'in_progress' }, 'zhao');
      expect(await update(t.id, { assignee: null }, 'supervisor-li')).toMatchObject({ status: 'in_progress', assignee: null });
    });

    it('allows exactly the status transitions of STATUS_TRANSITIONS and refuses the rest with TicketConflictError', async () => {
      const t = await repo.create(draft());
      for (const from of TICKET_STATUSES) {
        for (const to of TICKET_STATUSES) {
          if (from === to) continue;
          await pool.query('update tickets set status = $2 where id = $1', [t.id, from]);
          const before = (await repo.history(t.id)).length;
          const allowed = STATUS_TRANSITIONS[from].includes(to);
          const result = update(t.id, { status: to }, 'staff');
          if (allowed) {
            await expect(result, `${from} → ${to}`).resolves.toMatchObject({ status: to });
            expect((await repo.history(t.id)).at(-1)).toMatchObject({ action: 'status', from, to });
          } else {
            await expect(result, `${from} → ${to}`).rejects.toBeInstanceOf(TicketConflictError);
            expect((await repo.get(t.id))?.status).toBe(from);
            expect(await repo.history(t.id)).toHaveLength(before);
          }
        }
      }
      // The table itself: closing needs resolved first; anything finished can be reopened.
      expect(STATUS_TRANSITIONS.new).not.toContain('closed');
      expect(STATUS_TRANSITIONS.resolved).toContain('closed');
      expect(STATUS_TRANSITIONS.closed).toEqual(['reopened']);
    });

    it('a refused change is refused as a whole: nothing else of it is kept', async () => {
      const t = await repo.create(draft());
      await expect(update(t.id, { assignee: 'wang', status: 'closed', note: 'done', callbackNumber: '13900000000' }, 'wang')).rejects.toThrow(
        TicketConflictError,
      );
      expect(await repo.get(t.id)).toMatchObject({ status: 'new', assignee: null, callbackNumber: '13800138000' });
      expect(await historyActions(t.id)).toEqual(['created']);
    });

    it('a level change recomputes the deadline from the acceptance time', async () => {
      // Left Tue 23:00 local: accepted Wed 2026-11-25 08:00, level 1 due at 10:00.
      const t = await repo.create(draft({ createdAt: '2026-11-24T15:00:00.000Z' }));
      expect(t).toMatchObject({ acceptedAt: '2026-11-25T00:00:00.000Z', deadline: '2026-11-25T02:00:00.000Z' });

      const l3 = await update(t.id, { level: 3 }, 'supervisor-li');
      // 4 working days after Wed 25: Thu 26, Fri 27, Mon 30, Tue 1 December, at 08:00.
      expect(l3).toMatchObject({ level: 3, acceptedAt: t.acceptedAt, deadline: '2026-12-01T00:00:00.000Z' });
      const l2 = await update(t.id, { level: 2 }, 'supervisor-li');
      expect(l2).toMatchObject({ level: 2, deadline: '2026-11-27T00:00:00.000Z' });
      expect((await repo.history(t.id)).slice(1)).toMatchObject([
        { action: 'level', from: 1, to: 3, actor: 'supervisor-li' },
        { action: 'deadline', from: '2026-11-25T02:00:00.000Z', to: '2026-12-01T00:00:00.000Z' },
        { action: 'level', from: 3, to: 2 },
        { action: 'deadline', from: '2026-12-01T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z' },
      ]);
      // The same level again changes nothing.
      await update(t.id, { level: 2 }, 'supervisor-li');
      expect(await repo.history(t.id)).toHaveLength(5);
    });

    it('a level for a non-complaint, or outside 1–4, is refused with TicketInputError', async () => {
      const repair = await repo.create(draft({ category: 'repair' }));
      await expect(update(repair.id, { level: 2 }, 'supervisor-li')).rejects.toBeInstanceOf(TicketInputError);
      expect(await repo.get(repair.id)).toMatchObject({ level: null, deadline: repair.deadline });
      const complaint = await repo.create(draft());
      for (const level of [0, 5, 2.5]) {
        await expect(update(complaint.id, { level }, 'supervisor-li'), `level ${level}`).rejects.toBeInstanceOf(TicketInputError);
      }
      expect(await repo.get(complaint.id)).toMatchObject({ level: 1, deadline: complaint.deadline });
      expect(await historyActions(complaint.id)).toEqual(['created']);
    });

    it('notes and callback numbers go to the history; an unknown ticket is null', async () => {
      const t = await repo.create(draft());
      const after = await update(t.id, { note: '客户说燃气表附近有气味', callbackNumber: '13900000000' }, 'wang');
      expect(after).toMatchObject({ status: 'new', callbackNumber: '13900000000' });
      expect((await repo.history(t.id)).slice(1)).toMatchObject([
        { action: 'callback-number', from: '13800138000', to: '13900000000', actor: 'wang', note: null },
        { action: 'note', from: null, to: null, actor: 'wang', note: '客户说燃气表附近有气味' },
      ]);
      expect(await update(randomUUID(), { note: 'x' }, 'wang')).toBeNull();
      expect(await update('HL-20991231-0001', { note: 'x' }, 'wang')).toBeNull();
    });
  });

  it('the history is append-only: UPDATE and DELETE raise', async () => {
    const t = await repo.create(draft());
    await expect(pool.query("update ticket_history set note = 'rewritten' where ticket_id = $1", [t.id])).rejects.toThrow(/append-only/);
    await expect(pool.query('delete from ticket_history where ticket_id = $1', [t.id])).rejects.toThrow(/append-only/);
    expect(await historyActions(t.id)).toEqual(['created']);
    expect((await repo.history(t.id))[0]?.note).toBeNull();
  });

  describe('list', () => {
    // Tue 2026-11-26 20:00 local.
    const now = new Date('2026-11-26T12:00:00.000Z');
    let a: string, b: string, c: string, d: string, e: string;

    beforeEach(async () => {
      // A: complaint, 24th 10:00, due 12:00 that day, new → overdue
      a = (await repo.create(draft({ createdAt: '2026-11-24T02:00:00.000Z' }))).id;
      // B: repair, 24th 11:00, due Fri 27th, assigned to wang, a note
      b = (await repo.create(draft({ category: 'repair', createdAt: '2026-11-24T03:00:00.000Z', callerNumber: '13911112222', callbackNumber: '02155556666' }))).id;
      await update(b, { assignee: 'wang', note: 'Meter leak 100% confirmed_by phone' }, 'supervisor-li');
      // C: billing, 24th 09:00, due 26th 09:00 (past) but resolved → not overdue
      c = (await repo.create(draft({ category: 'billing', createdAt: '2026-11-24T01:00:00.000Z' }))).id;
      await update(c, { status: 'resolved' }, 'zhao');
      // D: other, 26th 10:00, due 28th, new
      d = (await repo.create(draft({ category: 'other', createdAt: '2026-11-26T02:00:00.000Z' }))).id;
      // E: complaint, 23rd 10:00, in progress → overdue
      e = (await repo.create(draft({ createdAt: '2026-11-23T02:00:00.000Z' }))).id;
      await update(e, { status: 'in_progress' }, 'zhao');
    });

    const ids = async (f: Partial<Parameters<TicketRepository['list']>[0]>) => {
      const r = await repo.list({ limit: 50, offset: 0, ...f }, now);
      return r.tickets.map((t) => t.id);
    };

    it('everything, newest first, with the total', async () => {
      const r = await repo.list({ limit: 50, offset: 0 }, now);
      expect(r.tickets.map((t) => t.id)).toEqual([d, b, a, c, e]);
      expect(r.total).toBe(5);
    });

    it('by status and by category', async () => {
      expect(await ids({ status: ['new'] })).toEqual([d, a]);
      expect(await ids({ status: ['assigned', 'resolved'] })).toEqual([b, c]);
      expect(await ids({ category: ['complaint'] })).toEqual([a, e]);
      expect(await ids({ category: ['repair', 'billing'] })).toEqual([b, c]);
      expect(await ids({ status: [], category: [] })).toEqual([d, b, a, c, e]);
    });

    it('overdue at the given instant: past the deadline and not resolved or closed', async () => {
      expect(await ids({ overdue: true })).toEqual([a, e]);
      expect(await ids({ overdue: false })).toEqual([d, b, c]);
      // Seen from before A's deadline (24th 11:00 local), only E is overdue.
      const early = await repo.list({ limit: 50, offset: 0, overdue: true }, new Date('2026-11-24T03:00:00.000Z'));
      expect(early.tickets.map((t) => t.id)).toEqual([e]);
      // Closed stays not overdue.
      await update(c, { status: 'closed' }, 'zhao');
      expect(await ids({ overdue: true })).toEqual([a, e]);
    });

    it('by assignee and by creation time (from inclusive, to exclusive)', async () => {
      expect(await ids({ assignee: 'wang' })).toEqual([b]);
      expect(await ids({ assignee: 'nobody' })).toEqual([]);
      expect(await ids({ from: new Date('2026-11-24T01:00:00.000Z'), to: new Date('2026-11-24T03:00:00.000Z') })).toEqual([a, c]);
      expect(await ids({ from: new Date('2026-11-25T00:00:00.000Z') })).toEqual([d]);
      expect(await ids({ to: new Date('2026-11-24T00:00:00.000Z') })).toEqual([e]);
    });

    it('free text: reference, phone numbers, assignee and notes, case-insensitive, wildcards literal', async () => {
      const refD = (await repo.get(d))!.reference;
      expect(await ids({ text: refD })).toEqual([d]);
      expect(await ids({ text: 'HL-20261124' })).toEqual([b, a, c]);
      expect(await ids({ text: '1391111' })).toEqual([b]);
      expect(await ids({ text: '5555666' })).toEqual([b]);
      expect(await ids({ text: 'wan' })).toEqual([b]);
      expect(await ids({ text: 'meter LEAK' })).toEqual([b]);
      expect(await ids({ text: '100%' })).toEqual([b]);
      expect(await ids({ text: '%' })).toEqual([b]);
      expect(await ids({ text: 'confirmed_by' })).toEqual([b]);
      expect(await ids({ text: 'confirmed_b_' })).toEqual([]);
      expect(await ids({ text: 'L%k' })).toEqual([]);
      expect(await ids({ text: '13800138000' })).toEqual([d, a, c, e]);
    });

    it('limit and offset page through; total counts every match', async () => {
      const page1 = await repo.list({ limit: 2, offset: 0 }, now);
      const page2 = await repo.list({ limit: 2, offset: 2 }, now);
      const page3 = await repo.list({ limit: 2, offset: 4 }, now);
      expect(page1.tickets.map((t) => t.id)).toEqual([d, b]);
      expect(page2.tickets.map((t) => t.id)).toEqual([a, c]);
      expect(page3.tickets.map((t) => t.id)).toEqual([e]);
      expect([page1.total, page2.total, page3.total]).toEqual([5, 5, 5]);
      const filtered = await repo.list({ limit: 1, offset: 1, category: ['complaint'], overdue: true }, now);
      expect(filtered).toMatchObject({ total: 2, tickets: [{ id: e }] });
    });

    it('combined filters', async () => {
      expect(await ids({ category: ['complaint'], overdue: true, status: ['in_progress'] })).toEqual([e]);
      expect(await ids({ category: ['complaint'], text: 'wang' })).toEqual([]);
    });
  });
});
