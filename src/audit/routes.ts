import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireRole } from '../http/auth.ts';
import { maskNumber } from '../logging/mask.ts';
import { ErrorSchema } from '../http/schemas.ts';
import type { AuditEntry, AuditRepository } from './audit-repository.ts';

/** Methods that change state: every authenticated one under /api/ is kept. */
const CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Never audited: the login routes (their bodies hold passwords; nothing of a request body is kept anyway). */
const NOT_AUDITED = new Set(['/api/auth/login', '/api/auth/session']);
/** Route parameters that name what a request acts on, in order of preference. */
const SUBJECT_PARAMS = ['ref', 'id', 'username', 'number'] as const;

/**
 * The audit entry of a finished request, or null when it is not audited:
 * a staff read of a recording (GET …/recording), or an authenticated
 * POST/PUT/PATCH/DELETE under /api/ (refused ones too: the status says so).
 * Never the body, the query string or a header.
 */
export function auditEntryOf(req: FastifyRequest, reply: FastifyReply): AuditEntry | null {
  const principal = req.principal;
  if (!principal) return null;
  const path = req.url.split('?')[0] ?? req.url;
  const route = req.routeOptions.url;
  if (NOT_AUDITED.has(path) || (route !== undefined && NOT_AUDITED.has(route))) return null;
  const recordingRead = req.method === 'GET' && path.endsWith('/recording');
  const change = CHANGING.has(req.method) && path.startsWith('/api/');
  if (!recordingRead && !change) return null;
  const params = (req.params ?? {}) as Record<string, unknown>;
  const key = SUBJECT_PARAMS.find((p) => typeof params[p] === 'string' && params[p] !== '');
  const range = req.headers.range;
  // A phone number in the URL (the opt-out list) is personal data: the log outlives its retention, so it keeps only the last 4 digits.
  const subject = key === 'number' ? maskNumber(String(params[key])) : key ? String(params[key]) : null;
  const shownPath = key === 'number' ? path.replace(encodeURIComponent(String(params[key])), subject!).replace(String(params[key]), subject!) : path;
  return {
    actor: principal.username,
    role: principal.role,
    action: recordingRead ? 'recording.read' : `${req.method} ${route ?? path}`,
    method: req.method,
    path: shownPath,
    subject,
    status: reply.statusCode,
    detail: {
      ...(route ? { route } : {}),
      principal: principal.kind,
      ip: req.ip,
      ms: Math.round(reply.elapsedTime),
      ...(recordingRead && typeof range === 'string' ? { range: range.slice(0, 100) } : {}),
    },
  };
}

const AuditRecordSchema = Type.Object({
  id: Type.Integer(),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String({ description: "staff username, 'service' (the service token) or 'hotline' (the application)" }),
  role: Type.String(),
  action: Type.String({ description: "'recording.read', '<METHOD> <route>' (e.g. 'PATCH /api/tickets/:ref'), 'retention', …" }),
  method: Type.String(),
  path: Type.String(),
  subject: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union([Type.Integer(), Type.Null()]),
  detail: Type.Record(Type.String(), Type.Unknown()),
});

export const AuditListQuery = Type.Object(
  {
    actor: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "exact, e.g. recording.read, retention, 'DELETE /api/staff/:username'" })),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'inclusive' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'exclusive' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
  },
  { additionalProperties: false },
);

/**
 * The audit hook and GET /api/audit. The hook goes on the instance given
 * (the root: the features' routes are added to it directly), so it applies to
 * every route of that instance, added before or after it. Writing is `record`'s
 * business: it must neither fail nor delay the response.
 */
export async function auditRoutes(app: FastifyInstance, d: { repository: AuditRepository; record(entry: AuditEntry): unknown }): Promise<void> {
  app.addHook('onResponse', async (req, reply) => {
    try {
      const entry = auditEntryOf(req, reply);
      if (entry) void d.record(entry);
    } catch (err) {
      req.log.warn({ err: (err as Error).message }, 'audit entry not made');
    }
  });

  app.get<{ Querystring: Static<typeof AuditListQuery> }>(
    '/api/audit',
    {
      preHandler: requireRole('admin'),
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first: recording reads, changes made over the API, retention runs',
        querystring: AuditListQuery,
        response: { 200: Type.Object({ entries: Type.Array(AuditRecordSchema), total: Type.Integer() }), 400: ErrorSchema },
      },
    },
    async (req) => {
      const q = req.query;
      const { entries, total } = await d.repository.list({
        ...(q.actor ? { actor: q.actor } : {}),
        ...(q.action ? { action: q.action } : {}),
        ...(q.from ? { from: new Date(q.from) } : {}),
        ...(q.to ? { to: new Date(q.to) } : {}),
        limit: q.limit,
        offset: q.offset,
      });
      return { entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })), total };
    },
  );
}
