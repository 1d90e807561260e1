import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { HealthCheck } from '../feature.ts';

const HealthSchema = Type.Object(
  {
    status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
    ready: Type.Boolean({ description: 'this node can take calls (what a load balancer asks); 503 when not' }),
    problems: Type.Array(Type.String(), { description: 'the checks that failed, e.g. ari (cannot take calls) or database (degraded)' }),
  },
  { additionalProperties: true, description: 'status, ready, problems, and one field per health check of the features (ari, database, activeCalls, …)' },
);

/**
 * GET /health: for monitoring; no secrets and no numbers, so no token. Every
 * feature's checks are read; a false 'down' check answers 503 (this node
 * cannot take calls), a false 'degraded' one marks the status.
 */
export async function healthRoutes(app: FastifyInstance, checks: readonly HealthCheck[]): Promise<void> {
  app.get('/health', { schema: { tags: ['health'], summary: 'Liveness of telephony and database (no token)', response: { 200: HealthSchema, 503: HealthSchema } } }, async (_req, reply) => {
    const values = await Promise.all(checks.map(async (c) => [c, await c.read()] as const));
    const failed = (level: HealthCheck['whenFalse']) => values.some(([c, v]) => c.whenFalse === level && v === false);
    const problems = values.filter(([c, v]) => c.whenFalse !== undefined && v === false).map(([c]) => c.name);
    const body = {
      status: failed('down') || failed('degraded') ? 'degraded' : 'ok',
      ready: !failed('down'),
      problems,
      ...Object.fromEntries(values.map(([c, v]) => [c.name, v])),
    };
    return reply.code(failed('down') ? 503 : 200).send(body);
  });
}
