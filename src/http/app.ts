import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../logging/logger.ts';
import { requireToken } from './auth.ts';
import { callRoutes } from './call-routes.ts';
import { healthRoutes, type HealthSource } from './health-routes.ts';
import { routingRoutes, type RoutingRoutesDeps } from './routing-routes.ts';
import type { CallRepository } from '../calls/call-repository.ts';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

export interface AppDeps {
  log: Logger;
  adminToken: string;
  health: HealthSource;
  routing: Omit<RoutingRoutesDeps, 'auth'>;
  calls: CallRepository;
}

/**
 * The HTTP API as a fastify instance (no listening here: server wiring is in
 * main.ts). Every route validates its input and output by schema; one error
 * handler answers 4xx with the reason and hides the details of 5xx.
 */
export async function buildApp(d: AppDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: d.log.child({ component: 'http' }) as FastifyBaseLogger,
    bodyLimit: 64 * 1024,
    ajv: { customOptions: { allErrors: false, coerceTypes: 'array', removeAdditional: false }, plugins: [addFormats as never] },
  });
  app.setErrorHandler((err: any, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(500).send({ error: 'internal', message: 'internal error; see the service log' });
    }
    return reply.code(status).send({ error: err.validation ? 'bad-request' : (err.code ?? 'bad-request'), message: err.message });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not-found', message: `no route ${req.method} ${req.url}` }));
  const auth = requireToken(d.adminToken);
  await healthRoutes(app, d.health);
  await routingRoutes(app, { ...d.routing, auth });
  await callRoutes(app, { calls: d.calls, auth });
  return app;
}
