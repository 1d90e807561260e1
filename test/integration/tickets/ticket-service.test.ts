import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { migrate } from '../../../src/db/migrate.ts';
import type { Principal, Role } from '../../../src/domain/staff.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../../../src/errors/domain-error.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { deadlineFor } from '../../../src/tickets/deadline.ts';
import { TicketRepository } from '../../../src/tickets/ticket-repository.ts';
import { TicketService } from '../../../src/tickets/ticket-service.ts';
import type { TicketCategory, TicketDraft } from '../../../src/tickets/ticket.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

const cal = loadConfig({}).calendar;
const staff = (username: string, role: Role): Principal => ({ kind: 'staff', username, role });
const agentWang = staff('wang', 'agent');
const agentZhao = staff('zhao', 'agent');
const supervisorLi = staff('li', 'supervisor');

function draft(category: TicketCategory = 'complaint'): TicketDraft {
  const id = randomUUID();
  const createdAt = '2026-11-24T02:00:00.000Z';
  const level = category === 'complaint' ? 1 : null;
  const { acceptedAt, deadline } = deadlineFor(cal, category, level, new Date(createdAt));
  return {
    id, category, level, callerNumber: '13800138000', callbackNumber: '13800138000', language: 'zh-CN', callId: randomUUID(),
    acceptedAt: acceptedAt.toISOString(), deadline: deadline.toISOString(), recordingName: `voicemail-${id}`, createdAt,
  };
}

describe('TicketService: the ticket rules, in the transaction that holds the row', () => {
  let cluster: PgCluster | undefined;
  let pool: pg.Pool;
  let repo: TicketRepository;
  let service: TicketService;

  beforeAll(async () => {
    cluster = await startPgCluster();
    pool = new pg.Pool({ connectionString: cluster.url, max: 8 });
    pool.on('error', () => {});
    await migrate(pool, createLogger('silent'));
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

  describe('roles', () => {
    it('an agent takes a ticket for themselves and gives back their own', async () => {
      const t = await repo.create(draft());
      expect(await service.change(t.id, { assignee: 'wang' }, agentWang)).toMatchObject({ assignee: 'wang', status: 'assigned' });
      expect(await service.change(t.id, { assignee: null }, agentWang)).toMatchObject({ assignee: null, status: 'new' });
    });

    it('an agent cannot take a ticket another agent holds (409: a supervisor reassigns it)', async () => {
      const t = await repo.create(draft());
      await service.change(t.id, { assignee: 'zhao' }, agentZhao);
      await expect(service.change(t.id, { assignee: 'wang' }, agentWang)).rejects.toThrow(`${t.reference} is held by zhao; a supervisor can reassign it`);
      expect(await service.change(t.id, { assignee: 'wang' }, supervisorLi)).toMatchObject({ assignee: 'wang' });
    });

    it('an agent cannot assign someone else, give back another agent’s ticket or change the level (403)', async () => {
      const t = await repo.create(draft());
      await expect(service.change(t.id, { assignee: 'zhao' }, agentWang)).rejects.toThrow(new ForbiddenError('agents can only assign tickets to themselves'));
      await service.change(t.id, { assignee: 'zhao' }, agentZhao);
      await expect(service.change(t.id, { assignee: null }, agentWang)).rejects.toThrow(new ForbiddenError('agents can only give back tickets assigned to themselves'));
      await expect(service.change(t.id, { level: 2 }, agentWang)).rejects.toThrow(new ForbiddenError('changing the level needs the supervisor role'));
      // Nothing of the refused changes was written.
      expect(await repo.get(t.id)).toMatchObject({ assignee: 'zhao', level: 1 });
      expect((await repo.history(t.id)).map((h) => h.action)).toEqual(['created', 'assignee', 'status']);
    });

    it('a supervisor assigns anyone, gives back anyone’s ticket and sets the level', async () => {
      const t = await repo.create(draft());
      await service.change(t.id, { assignee: 'zhao' }, supervisorLi);
      expect(await service.change(t.id, { assignee: 'wang', level: 3 }, supervisorLi)).toMatchObject({ assignee: 'wang', level: 3 });
      expect(await service.change(t.id, { assignee: null }, supervisorLi)).toMatchObject({ assignee: null, status: 'new' });
    });

    it('the errors carry their HTTP status and a stable id', async () => {
      const t = await repo.create(draft());
      const forbidden = await service.change(t.id, { level: 2 }, agentWang).catch((e: unknown) => e);
      expect(forbidden).toMatchObject({ httpStatus: 403, errorId: 'forbidden' });
      const conflict = await service.change(t.id, { status: 'closed' }, agentWang).catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(ConflictError);
      expect(conflict).toMatchObject({ httpStatus: 409, errorId: 'conflict' });
      const missing = await service.change('HL-20991231-9999', { note: 'x' }, agentWang).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(NotFoundError);
      expect(missing).toMatchObject({ httpStatus: 404, errorId: 'not-found' });
    });
  });

  describe('two staff changing one ticket at once', () => {
    it('two agents claiming a new ticket: one gets it, the other is refused, never both', async () => {
      for (let round = 0; round < 10; round++) {
        const t = await repo.create(draft());
        const results = await Promise.allSettled([
          service.change(t.id, { assignee: 'wang', status: 'in_progress' }, agentWang),
          service.change(t.id, { assignee: 'zhao', status: 'in_progress' }, agentZhao),
        ]);
        const won = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<TicketService['change']>>> => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won, `round ${round}`).toHaveLength(1);
        expect(lost[0]!.reason).toBeInstanceOf(ConflictError);
        expect(String(lost[0]!.reason.message)).toMatch(/is held by (wang|zhao); a supervisor can reassign it/);
        const final = await repo.get(t.id);
        expect(final).toMatchObject({ assignee: won[0]!.value.assignee, status: 'in_progress' });
        const history = await repo.history(t.id);
        expect(history.filter((h) => h.action === 'assignee'), `round ${round}`).toHaveLength(1);
      }
    });

    it('a resolve racing a reopen: the two apply one after the other, each checked against the other’s result', async () => {
      for (let round = 0; round < 10; round++) {
        const t = await repo.create(draft('repair'));
        await service.change(t.id, { status: 'resolved' }, supervisorLi);
        const results = await Promise.allSettled([
          service.change(t.id, { status: 'closed' }, supervisorLi),
          service.change(t.id, { status: 'in_progress' }, supervisorLi),
        ]);
        // resolved → closed and resolved → in_progress are both allowed, but closed → in_progress is not
        // and in_progress → closed is not: exactly one of them can apply.
        expect(results.filter((r) => r.status === 'fulfilled'), `round ${round}`).toHaveLength(1);
        const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
        expect(refused.reason).toBeInstanceOf(ConflictError);
        const history = (await repo.history(t.id)).filter((h) => h.action === 'status');
        expect(history).toHaveLength(2);
      }
    });
  });
});
