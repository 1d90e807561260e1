import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { isTransientDbError } from '../db/retry.ts';
import type { Logger } from '../logging/logger.ts';
import { DomainError } from '../errors/domain-error.ts';
import { registerAuth, type TokenVerifier } from './auth.ts';
import type { Feature } from '../feature.ts';
import { healthRoutes } from './health-routes.ts';
import { registerOpenApi } from './openapi.ts';
import { requestLogFields } from './request-log.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** SQLSTATE 42P01, undefined_table. */
const UNDEFINED_TABLE = '42P01';

export interface AppDeps {
  log: Logger;
  /** Staff accounts and tokens; also accepts the service admin token (var/secrets/admin-token). */
  auth: TokenVerifier;
  /** Their routes and health checks make the API. */
  features: readonly Feature[];
}

/**
 * The HTTP API as a fastify instance (no listening here: server wiring is in
 * the composition root). Every route validates its input and output by schema; one error
 * handler answers 4xx with the reason, 503 when the database is away, and
 * hides the details of other 5xx.
 */
export async function buildApp(d: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // Our own req serializer: fastify's default logs the raw URL; this one masks numbers and secret query values.
    loggerInstance: d.log.child({ component: 'http' }, { serializers: { req: requestLogFields } }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', removeAdditional: false }, plugins: [addFormats as never] },
  });
  app.setErrorHandler((err: any, req, reply) => {
    if (err instanceof DomainError) {
      if (err.httpStatus === 503) {
        req.log.warn({ err: err.message }, 'unavailable');
        reply.header('retry-after', '5');
      }
      return reply.code(err.httpStatus).send({ error: err.errorId, message: err.message });
    }
    if (isTransientDbError(err)) {
      req.log.warn({ err: err.message }, 'database unavailable');
      return reply.code(503).header('retry-after', '5').send({ error: 'unavailable', message: 'the database is not reachable; try again shortly' });
    }
    // A table that does not exist yet: the service answers while its migrations still run.
    if (err?.code === UNDEFINED_TABLE) {
      req.log.warn({ err: err.message }, 'database not migrated yet');
      return reply.code(503).header('retry-after', '5').send({ error: 'unavailable', message: 'the database is not ready yet (migrations pending); try again shortly' });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(500).send({ error: 'internal', message: 'internal error; see the service log' });
    }
    return reply.code(status).send({ error: err.validation ? 'bad-request' : (err.code ?? 'bad-request'), message: err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not-found', message: `no route ${req.method} ${req.url}` }));
  // Order matters: auth's onRoute hook marks guarded routes before swagger records them.
  registerAuth(app, d.auth);
  await registerOpenApi(app);
  await healthRoutes(app, d.features.flatMap((f) => f.health ?? []));
  for (const f of d.features) await f.routes?.(app);
  return app;
}
