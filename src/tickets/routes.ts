import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { NotFoundError } from '../errors/domain-error.ts';
import { principalOf, requireRole } from '../http/auth.ts';
import { parseRange } from '../http/range.ts';
import { ErrorSchema } from '../http/schemas.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';
import type { Clock } from '../time/clock.ts';
import { TicketHistorySchema, TicketListQuery, TicketParams, TicketPatchBody, TicketSchema } from './schemas.ts';
import type { TicketService } from './ticket-service.ts';
import { FINISHED_STATUSES, type Ticket, type TicketCategory, type TicketStatus } from './ticket.ts';

export interface TicketRoutesDeps {
  tickets: TicketService;
  recordings: RecordingStore;
  clock: Clock;
  /** Notifications sent to staff about a ticket (webhook, e-mail), with their state. */
  deliveries?: (ticketId: string) => Promise<Array<{ channel: string; status: string; attempts: number; deliveredAt: string | null; lastError: string | null }>>;
  /** What other features add to one ticket's view (its callbacks, its survey answers). */
  details?: readonly TicketDetail[];
}

/** A field another feature adds to GET /api/tickets/:ref. */
export interface TicketDetail {
  name: string;
  schema: TSchema;
  read(ticket: Ticket): Promise<unknown>;
}

const DeliverySchema = Type.Object({
  channel: Type.String(),
  status: Type.String(),
  attempts: Type.Integer(),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
});

const tags = ['tickets'];

/**
 * Tickets for staff: list and filter, read one with its history, change it,
 * and stream its recording (HTTP range requests). The rules (who may change
 * what, which status may follow which) are the ticket service's; refusals
 * come back as domain errors the app's error handler answers.
 */
export async function ticketRoutes(app: FastifyInstance, d: TicketRoutesDeps): Promise<void> {
  const view = (t: Ticket) => ({
    ...t,
    overdue: !FINISHED_STATUSES.includes(t.status) && new Date(t.deadline).getTime() < d.clock.now().getTime(),
    recording: {
      state: t.recording.state,
      ms: t.recording.ms,
      bytes: t.recording.bytes,
      sha256: t.recording.sha256,
      end: t.recording.end,
      node: t.recording.node,
      speechMs: t.recording.speechMs,
      url: t.recording.state === 'stored' ? `/api/tickets/${t.reference}/recording` : null,
    },
  });

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
          ...(q.noMessage !== undefined ? { noMessage: q.noMessage } : {}),
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
          200: Type.Object({
            ticket: TicketSchema,
            history: Type.Array(TicketHistorySchema),
            notifications: Type.Array(DeliverySchema),
            ...Object.fromEntries((d.details ?? []).map((x) => [x.name, x.schema])),
          }),
          400: ErrorSchema,
          404: ErrorSchema,
        },
      },
    },
    async (req) => {
      const ticket = await d.tickets.get(req.params.ref);
      const notifications = d.deliveries ? await d.deliveries(ticket.id) : [];
      const details = await Promise.all((d.details ?? []).map(async (x) => [x.name, await x.read(ticket)] as const));
      return { ticket: view(ticket), history: await d.tickets.history(ticket.id), notifications, ...Object.fromEntries(details) };
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
    async (req) => {
      const ticket = await d.tickets.change(req.params.ref, req.body, principalOf(req));
      return { ticket: view(ticket), history: await d.tickets.history(ticket.id) };
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
      const rel = ticket.recording.path;
      const size = rel ? await d.recordings.size(rel) : null;
      if (!rel || size === null) throw new NotFoundError(`ticket ${ticket.reference} has no recording (${ticket.recording.state})`);
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
        return reply.send(await d.recordings.open(rel, range));
      }
      reply.header('content-length', size);
      return reply.send(await d.recordings.open(rel));
    },
  );
}
