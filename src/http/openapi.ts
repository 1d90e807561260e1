import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { SECURITY_SCHEME } from './auth.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The OpenAPI 3 document, built from the routes' own schemas, at
 * GET /api/openapi.json, and Swagger UI at /api/docs. Register before any
 * route: @fastify/swagger collects routes as they are added. Both are public:
 * the document describes the API, it grants nothing.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Gas hotline operations API',
        version,
        description:
          'Routing state and the day/night switch, call records, staff accounts and tokens. ' +
          'Log in at POST /api/auth/login and send the token as `Authorization: Bearer <token>`.',
      },
      components: {
        securitySchemes: {
          [SECURITY_SCHEME]: {
            type: 'http',
            scheme: 'bearer',
            description: 'A login session token or an API token (hlt_…), or the service admin token (var/secrets/admin-token)',
          },
        },
      },
      tags: [
        { name: 'health', description: 'Monitoring (no token)' },
        { name: 'auth', description: 'Login, logout and your own tokens' },
        { name: 'staff', description: 'Staff accounts (admin)' },
        { name: 'routing', description: 'Open or closed, and the supervisor’s day/night switch' },
        { name: 'calls', description: 'Call records' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', uiConfig: { docExpansion: 'list', deepLinking: false } });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
