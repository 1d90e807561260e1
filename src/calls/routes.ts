import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { CallRepository } from './call-repository.ts';
import { authenticate } from '../http/auth.ts';
import { ErrorSchema } from '../http/schemas.ts';

export const CallSchema = Type.Object({
  id: Type.String(),
  channelId: Type.String(),
  sipCallId: Type.String(),
  direction: Type.String(),
  parentCallId: Type.Union([Type.String(), Type.Null()]),
  callerNumber: Type.String(),
  calledNumber: Type.String(),
  language: Type.String(),
  category: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.String(),
  answeredAt: Type.Union([Type.String(), Type.Null()]),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  nodes: Type.Array(Type.Object({ node: Type.String(), at: Type.String() })),
  keys: Type.Array(Type.Object({ key: Type.String(), node: Type.String(), at: Type.String() })),
  outcome: Type.Union([Type.String(), Type.Null()]),
  outcomeDetail: Type.Record(Type.String(), Type.Unknown()),
  endedNode: Type.Union([Type.String(), Type.Null()]),
  endedBy: Type.Union([Type.String(), Type.Null()]),
  emergency: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  resumedCount: Type.Integer(),
  nodeId: Type.Optional(Type.String({ description: 'the node (config node.id) whose Asterisk carried the call' })),
});

const ListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    since: Type.Optional(Type.String({ format: 'date-time' })),
    outcome: Type.Optional(Type.String({ pattern: '^[a-z-]+$' })),
    sipCallId: Type.Optional(Type.String({ minLength: 1, maxLength: 300 })),
  },
  { additionalProperties: false },
);
const IdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const tags = ['calls'];

/** Call records for staff (full numbers: any staff role, agent and up). */
export async function callRoutes(app: FastifyInstance, d: { calls: CallRepository }): Promise<void> {
  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/calls',
    {
      preHandler: authenticate,
      schema: { tags, summary: 'The latest calls, newest first', querystring: ListQuery, response: { 200: Type.Object({ calls: Type.Array(CallSchema) }), 400: ErrorSchema } },
    },
    async (req) => {
      const q = req.query;
      const calls = q.sipCallId
        ? await d.calls.findBySipCallId(q.sipCallId)
        : await d.calls.list({ limit: q.limit, ...(q.since ? { since: new Date(q.since) } : {}), ...(q.outcome ? { outcome: q.outcome } : {}) });
      return { calls };
    },
  );

  app.get<{ Params: Static<typeof IdParams> }>(
    '/api/calls/:id',
    { preHandler: authenticate, schema: { tags, summary: 'One call record', params: IdParams, response: { 200: CallSchema, 400: ErrorSchema, 404: ErrorSchema } } },
    async (req, reply) => {
      const call = await d.calls.get(req.params.id);
      if (!call) return reply.code(404).send({ error: 'not-found', message: `no call ${req.params.id}` });
      return call;
    },
  );
}
