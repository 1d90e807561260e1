import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';

export interface HealthSource {
  ariConnected(): boolean;
  /** Live telephony state: legs, waits and bridges; all zero when no call is up. */
  telephony(): { legs: number; pendingWaits: number; bridges: number };
  activeCalls(): number;
  pendingRecords(): number;
  databaseOk(): Promise<boolean>;
}

const HealthSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  ari: Type.Boolean(),
  database: Type.Boolean(),
  activeCalls: Type.Integer(),
  pendingRecords: Type.Integer(),
  telephony: Type.Object({ legs: Type.Integer(), pendingWaits: Type.Integer(), bridges: Type.Integer() }),
});

/** GET /health: for monitoring; no secrets and no numbers, so no token. */
export async function healthRoutes(app: FastifyInstance, source: HealthSource): Promise<void> {
  app.get('/health', { schema: { tags: ['health'], summary: 'Liveness of telephony and database (no token)', response: { 200: HealthSchema, 503: HealthSchema } } }, async (_req, reply) => {
    const [database, ari] = [await source.databaseOk(), source.ariConnected()];
    const body = {
      status: ari && database ? ('ok' as const) : ('degraded' as const),
      ari,
      database,
      activeCalls: source.activeCalls(),
      pendingRecords: source.pendingRecords(),
      telephony: source.telephony(),
    };
    return reply.code(ari ? 200 : 503).send(body);
  });
}
