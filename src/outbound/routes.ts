import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NotFoundError, ConflictError } from '../errors/domain-error.ts';
import { principalOf, requireRole } from '../http/auth.ts';
import { ErrorSchema } from '../http/schemas.ts';
import type { TicketService } from '../tickets/ticket-service.ts';
import type { Clock } from '../time/clock.ts';
import type { JobRepository } from './job-repository.ts';
import type { Attempt, Job, JobKind, JobStatus, NewJob } from './job.ts';
import type { OptOutList } from './opt-outs.ts';
import { JobListQuery, JobParams, JobSchema, NewJobBody, NumberParams, OptOutBody, OptOutSchema } from './schemas.ts';

export interface CallbackRoutesDeps {
  jobs: JobRepository;
  optOuts: OptOutList;
  tickets: TicketService;
  /** Queues a job and wakes the dialer; null when it existed already. */
  enqueue(job: NewJob): Promise<Job | null>;
  kick(): void;
  clock: Clock;
}

const tags = ['callbacks'];
const view = (job: Job, attempts: Attempt[]) => ({ ...job, attemptList: attempts });

/**
 * Outbound calls for staff: the jobs with their attempts, a job for a repair
 * done elsewhere (new supply, CB-04), cancel and retry, and the opt-out list.
 * Agents work the queue; taking a number off the opt-out list, against what
 * the customer said, takes a supervisor.
 */
export async function callbackRoutes(app: FastifyInstance, d: CallbackRoutesDeps): Promise<void> {
  const agent = requireRole('agent');
  const one = Type.Object({ job: JobSchema });

  app.get<{ Querystring: Static<typeof JobListQuery> }>(
    '/api/callbacks',
    { preHandler: agent, schema: { tags, summary: 'Callback jobs, newest first, with their attempts', querystring: JobListQuery, response: { 200: Type.Object({ jobs: Type.Array(JobSchema), total: Type.Integer() }), 400: ErrorSchema } } },
    async (req) => {
      const q = req.query;
      const ticketId = q.ticket ? (await d.tickets.get(q.ticket)).id : undefined;
      const { jobs, total } = await d.jobs.list({
        ...(q.status ? { status: q.status.split(',') as JobStatus[] } : {}),
        ...(q.kind ? { kind: q.kind.split(',') as JobKind[] } : {}),
        ...(ticketId ? { ticketId } : {}),
        ...(q.number ? { number: q.number } : {}),
        limit: q.limit,
        offset: q.offset,
      });
      return { jobs: jobs.map((j) => view(j.job, j.attempts)), total };
    },
  );

  app.get<{ Params: Static<typeof JobParams> }>(
    '/api/callbacks/:id',
    { preHandler: agent, schema: { tags, summary: 'One callback job with its attempts', params: JobParams, response: { 200: one, 400: ErrorSchema, 404: ErrorSchema } } },
    async (req) => {
      const found = await d.jobs.get(req.params.id);
      if (!found) throw new NotFoundError(`no callback job ${req.params.id}`);
      return { job: view(found.job, found.attempts) };
    },
  );

  app.post<{ Body: Static<typeof NewJobBody> }>(
    '/api/callbacks',
    { preHandler: agent, schema: { tags, summary: 'Queue a callback (e.g. a repair done elsewhere, CB-04)', body: NewJobBody, response: { 201: one, 400: ErrorSchema, 404: ErrorSchema } } },
    async (req, reply) => {
      const b = req.body;
      const ticket = b.ticket ? await d.tickets.get(b.ticket) : null;
      // The dialer would drop it at once: say so now.
      const needs = b.kind === 'survey' ? ['closed'] : b.kind === 'repair-confirmation' ? ['resolved', 'closed'] : null;
      if (ticket && needs && !needs.includes(ticket.status)) throw new ConflictError(`${ticket.reference} is ${ticket.status}; a ${b.kind} call needs it ${needs.join(' or ')}`);
      const job = await d.enqueue({
        kind: b.kind as JobKind,
        number: b.number,
        ...(b.language ? { language: b.language } : ticket ? { language: ticket.language } : {}),
        ticketId: ticket?.id ?? null,
        category: b.category ?? ticket?.category ?? null,
        ...(b.dueAt ? { dueAt: new Date(b.dueAt) } : {}),
        createdBy: principalOf(req).username,
      });
      return reply.code(201).send({ job: view(job!, []) });
    },
  );

  app.post<{ Params: Static<typeof JobParams> }>(
    '/api/callbacks/:id/cancel',
    { preHandler: agent, schema: { tags, summary: 'Cancel a pending job', params: JobParams, response: { 200: one, 404: ErrorSchema, 409: ErrorSchema } } },
    async (req) => {
      const job = await d.jobs.cancel(req.params.id, principalOf(req).username);
      if (!job) throw await missingOr(d.jobs, req.params.id, 'only a pending job can be cancelled');
      return { job: view(job, (await d.jobs.get(job.id))?.attempts ?? []) };
    },
  );

  app.post<{ Params: Static<typeof JobParams> }>(
    '/api/callbacks/:id/retry',
    { preHandler: agent, schema: { tags, summary: 'Dial a pending or unreachable job now (one more attempt)', params: JobParams, response: { 200: one, 404: ErrorSchema, 409: ErrorSchema } } },
    async (req) => {
      const job = await d.jobs.retryNow(req.params.id, principalOf(req).username, d.clock.now());
      if (!job) throw await missingOr(d.jobs, req.params.id, 'only a pending or unreachable job can be retried');
      d.kick();
      return { job: view(job, (await d.jobs.get(job.id))?.attempts ?? []) };
    },
  );

  app.get<{ Querystring: { limit: number; offset: number } }>(
    '/api/opt-outs',
    {
      preHandler: agent,
      schema: {
        tags,
        summary: 'Numbers that asked for no more calls',
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }), offset: Type.Integer({ minimum: 0, default: 0 }) }, { additionalProperties: false }),
        response: { 200: Type.Object({ optOuts: Type.Array(OptOutSchema), total: Type.Integer() }) },
      },
    },
    async (req) => d.optOuts.list(req.query.limit, req.query.offset),
  );

  app.get<{ Params: Static<typeof NumberParams> }>(
    '/api/opt-outs/:number',
    { preHandler: agent, schema: { tags, summary: 'Whether a number asked for no more calls', params: NumberParams, response: { 200: Type.Object({ optOut: OptOutSchema }), 404: ErrorSchema } } },
    async (req) => {
      const optOut = await d.optOuts.get(req.params.number);
      if (!optOut) throw new NotFoundError(`${req.params.number} is not on the opt-out list`);
      return { optOut };
    },
  );

  app.put<{ Params: Static<typeof NumberParams>; Body: Static<typeof OptOutBody> }>(
    '/api/opt-outs/:number',
    { preHandler: agent, schema: { tags, summary: 'Put a number on the opt-out list (its queued callbacks end)', params: NumberParams, body: OptOutBody, response: { 200: Type.Object({ optOut: OptOutSchema }) } } },
    async (req) => {
      await d.optOuts.add(req.params.number, 'staff', principalOf(req).username, req.body?.note ?? null);
      return { optOut: (await d.optOuts.get(req.params.number))! };
    },
  );

  app.delete<{ Params: Static<typeof NumberParams> }>(
    '/api/opt-outs/:number',
    { preHandler: requireRole('supervisor'), schema: { tags, summary: 'Take a number off the opt-out list', params: NumberParams, response: { 204: Type.Null(), 404: ErrorSchema } } },
    async (req, reply) => {
      if (!(await d.optOuts.remove(req.params.number))) throw new NotFoundError(`${req.params.number} is not on the opt-out list`);
      return reply.code(204).send();
    },
  );
}

async function missingOr(jobs: JobRepository, id: string, conflict: string): Promise<Error> {
  return (await jobs.get(id)) ? new ConflictError(conflict) : new NotFoundError(`no callback job ${id}`);
}
