import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { roleAtLeast } from '../domain/staff.ts';
import type { Clock } from '../time/clock.ts';
import { TicketConflictError, TicketInputError, type TicketRepository } from '../tickets/ticket-repository.ts';
import type { Ticket, TicketCategory, TicketStatus } from '../tickets/ticket.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';
import { principalOf, requireRole } from './auth.ts';
import { ErrorSchema } from './schemas.ts';
import { TicketHistorySchema, TicketListQuery, TicketParams, TicketPatchBody, TicketSchema } from './ticket-schemas.ts';

export interface TicketRoutesDeps {
  tickets: TicketRepository;
  recordings: RecordingStore;
  clock: Clock;
  /** Notifications sent to staff about a ticket (webhook, e-mail), with their state. */
  deliveries?: (ticketId: string) => Promise<Array<{ channel: string; status: string; attempts: number; deliveredAt: string | null; lastError: string | null }>>;
}

const DeliverySchema = Type.Object({
  channel: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
});

const tags = ['tickets'];
const FINISHED: readonly TicketStatus[] = ['resolved', 'closed'];

/**
 * Tickets for staff: list and filter, read one with its history, change it,
 * and stream its recording (HTTP range requests). Agents work tickets;
 * changing the complaint level or assigning a ticket to someone else takes a
 * supervisor.
 */
export async function ticketRoutes(app: FastifyInstance, d: TicketRoutesDeps): Promise<void> {
  const view = (t: Ticket) => ({
    ...t,
    overdue: !FINISHED.includes(t.status) && new Date(t.deadline).getTime() < d.clock.now().getTime(),
    recording: {
      state: t.recording.state,
      ms: t.recording.ms,
      bytes: t.recording.bytes,
      sha256: t.recording.sha256,
      end: t.recording.end,
      url: t.recording.state === 'stored' ? `/api/tickets/${t.reference}/recording` : null,
    },
  });
  const notFound = (reply: FastifyReply, ref: string) => reply.code(404).send({ error: 'not-found', message: `no ticket ${ref}` });

  app.get<{ Querystring: Static<typeof TicketListQuery> }>(
    '/api/tickets',
    {
      preHandler: requireRole('agent'),
      schema: {
        tags,
        summary: 'Tickets, newest first, filtered',
        querystring: TicketListQuery,
        response: { 200: Type.Object({ tickets: Type.Array(TicketSchema), total: Type.Integer() }), 400: ErrorSchema },
      },
    },
    async (req) => {
      const q = req.query;
      const { tickets, total } = await d.tickets.list(
        {
          ...(q.status ? { status: q.status.split(',') as TicketStatus[] } : {}),
          ...(q.category ? { category: q.category.split(',') as TicketCategory[] } : {}),
          ...(q.overdue !== undefined ? { overdue: q.overdue } : {}),
          ...(q.assignee ? { assignee: q.assignee } : {}),
          ...(q.from ? { from: new Date(q.from) } : {}),
          ...(q.to ? { to: new Date(q.to) } : {}),
          ...(q.q ? { text: q.q } : {}),
          limit: q.limit,
          offset: q.offset,
        },
        d.clock.now(),
      );
      return { tickets: tickets.map(view), total };
    },
  );

  app.get<{ Params: Static<typeof TicketParams> }>(
    '/api/tickets/:ref',
    {
      preHandler: requireRole('agent'),
      schema: {
        tags,
        summary: 'One ticket with its history',
        params: TicketParams,
        response: {
          200: Type.Object({ ticket: TicketSchema, history: Type.Array(TicketHistorySchema), notifications: Type.Array(DeliverySchema) }),
          400: ErrorSchema,
          404: ErrorSchema,
        },
      },
    },
    async (req, reply) => {
      const ticket = await d.tickets.get(req.params.ref);
      if (!ticket) return notFound(reply, req.params.ref);
      const notifications = d.deliveries ? await d.deliveries(ticket.id) : [];
      return { ticket: view(ticket), history: await d.tickets.history(ticket.id), notifications };
    },
  );

  app.patch<{ Params: Static<typeof TicketParams>; Body: Static<typeof TicketPatchBody> }>(
    '/api/tickets/:ref',
    {
      preHandler: requireRole('agent'),
      schema: {
        tags,
        summary: 'Change status, level, assignee or callback number, or add a note',
        description: 'Changing the level or assigning to someone else needs the supervisor role. Every change is kept in the history.',
        params: TicketParams,
        body: TicketPatchBody,
        response: { 200: Type.Object({ ticket: TicketSchema, history: Type.Array(TicketHistorySchema) }), 400: ErrorSchema, 403: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (req, reply) => {
      const who = principalOf(req);
      const body = req.body;
      const supervisor = roleAtLeast(who.role, 'supervisor');
      if (body.level !== undefined && !supervisor) {
        return reply.code(403).send({ error: 'forbidden', message: 'changing the level needs the supervisor role' });
      }
      if (body.assignee !== undefined && body.assignee !== who.username && !supervisor) {
        // An agent takes tickets and gives back their own; moving other people's work needs a supervisor.
        if (body.assignee !== null) {
          return reply.code(403).send({ error: 'forbidden', message: 'agents can only assign tickets to themselves' });
        }
        const current = await d.tickets.get(req.params.ref);
        if (!current) return notFound(reply, req.params.ref);
        if (current.assignee !== who.username) {
          return reply.code(403).send({ error: 'forbidden', message: 'agents can only give back tickets assigned to themselves' });
        }
      }
      try {
        const ticket = await d.tickets.update(req.params.ref, body, who.username);
        if (!ticket) return notFound(reply, req.params.ref);
        return { ticket: view(ticket), history: await d.tickets.history(ticket.id) };
      } catch (err) {
        if (err instanceof TicketConflictError) return reply.code(409).send({ error: 'conflict', message: err.message });
        if (err instanceof TicketInputError) return reply.code(400).send({ error: 'bad-request', message: err.message });
        throw err;
      }
    },
  );

  app.get<{ Params: Static<typeof TicketParams> }>(
    '/api/tickets/:ref/recording',
    {
      preHandler: requireRole('agent'),
      schema: {
        tags,
        summary: 'The voicemail audio (audio/wav); supports Range requests',
        params: TicketParams,
        response: { 400: ErrorSchema, 404: ErrorSchema, 416: ErrorSchema },
      },
    },
    async (req, reply) => {
      const ticket = await d.tickets.get(req.params.ref);
      if (!ticket) return notFound(reply, req.params.ref);
      const rel = ticket.recording.path;
      const size = rel ? await d.recordings.size(rel) : null;
      if (!rel || size === null) {
        return reply.code(404).send({ error: 'not-found', message: `ticket ${ticket.reference} has no recording (${ticket.recording.state})` });
      }
      const range = parseRange(req.headers.range, size);
      if (range === 'invalid') {
        return reply.code(416).header('content-range', `bytes */${size}`).send({ error: 'range-not-satisfiable', message: `the recording has ${size} bytes` });
      }
      reply
        .header('content-type', 'audio/wav')
        .header('accept-ranges', 'bytes')
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `inline; filename="${ticket.reference}.wav"`);
      if (range) {
        reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${size}`).header('content-length', range.end - range.start + 1);
        return reply.send(d.recordings.stream(rel, range));
      }
      reply.header('content-length', size);
      return reply.send(d.recordings.stream(rel));
    },
  );
}

/**
 * One byte range of a Range header ("bytes=0-99", "bytes=100-", "bytes=-500").
 * null: no (usable) range header, send everything; 'invalid': 416. Several
 * ranges are answered with the whole file, which RFC 9110 allows.
 */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, a, b] = m;
  if (a === '' && b === '') return 'invalid';
  let start: number;
  let end: number;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'invalid';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(a);
    end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  }
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}
