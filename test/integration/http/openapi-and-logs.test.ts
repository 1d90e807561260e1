import { Writable } from 'node:stream';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { buildAuthTestApp } from '../../support/auth-app.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

/** The OpenAPI document and Swagger UI; and what the request log says (no secrets, no full numbers). */
const SERVICE = 'logtest-service-token-9876543210';
const PASSWORD = 'log-test-password-42';
const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(String(chunk));
    done();
  },
});
const log = createLogger('debug', sink);
let cluster: PgCluster;
let pool: pg.Pool;
let app: FastifyInstance;

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  await migrate(pool, createLogger('silent'));
  ({ app } = await buildAuthTestApp(pool, log, SERVICE));
});

afterAll(async () => {
  await app?.close();
  await pool?.end();
  await cluster?.stop();
});

describe('OpenAPI', () => {
  const operations = (doc: any) =>
    Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );

  it('lists every route with its schemas and the bearer scheme', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    const routes = operations(doc).map((o) => o.route);
    expect(routes.sort()).toEqual(
      [
        'GET /health',
        'POST /api/auth/login', 'POST /api/auth/logout', 'GET /api/auth/me', 'POST /api/auth/password',
        'POST /api/auth/session', 'DELETE /api/auth/session',
        'GET /api/auth/tokens', 'POST /api/auth/tokens', 'DELETE /api/auth/tokens/{id}',
        'GET /api/staff', 'POST /api/staff', 'PATCH /api/staff/{username}',
        'GET /api/routing', 'PUT /api/routing/override', 'DELETE /api/routing/override',
        'GET /api/calls', 'GET /api/calls/{id}',
      ].sort(),
    );
    for (const { route, op } of operations(doc)) {
      expect(Object.keys(op.responses).some((s) => s.startsWith('2')), `${route}: a success response`).toBe(true);
      // Signing in (by token or into the console's cookie) is what needs no token.
      const open = route === 'GET /health' || route === 'POST /api/auth/login' || route === 'POST /api/auth/session';
      expect(op.security, route).toEqual(open ? undefined : [{ bearerAuth: [] }]);
      if (!open) expect(Object.keys(op.responses), route).toEqual(expect.arrayContaining(['401', '403', '503']));
    }
    const byRoute = Object.fromEntries(operations(doc).map((o) => [o.route, o.op]));
    expect(byRoute['PUT /api/routing/override'].description).toMatch(/role supervisor or higher/);
    expect(byRoute['PUT /api/routing/override'].requestBody.content['application/json'].schema.required).toEqual(['mode', 'until']);
    expect(byRoute['GET /api/calls/{id}'].parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path' })]);
    expect(byRoute['GET /api/calls'].parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['limit', 'since']));
    expect(byRoute['POST /api/auth/login'].requestBody.content['application/json'].schema.required).toEqual(['username', 'password']);
  });

  it('serves Swagger UI at /api/docs without a token', async () => {
    let res = await app.inject({ method: 'GET', url: '/api/docs' });
    if (res.statusCode >= 300 && res.statusCode < 400) res = await app.inject({ method: 'GET', url: new URL(res.headers.location!, 'http://x/api/docs/').pathname });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toMatch(/swagger/i);
  });
});

describe('request logs', () => {
  it('carry no password, token or full phone number through a login and authenticated requests', async () => {
    lines.length = 0;
    const created = await app.inject({
      method: 'POST', url: '/api/staff', headers: { authorization: `Bearer ${SERVICE}` },
      payload: { username: 'logger', role: 'supervisor', password: PASSWORD },
    });
    expect(created.statusCode).toBe(201);
    const loginRes = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'logger', password: PASSWORD } });
    const session = loginRes.json().token as string;
    const apiToken = (await app.inject({ method: 'POST', url: '/api/auth/tokens', headers: { authorization: `Bearer ${session}` }, payload: { name: 'x' } })).json().token as string;
    // A password typed into the username field, and a wrong password.
    await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: PASSWORD, password: 'x' } });
    await app.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'logger', password: `${PASSWORD}-wrong` } });
    // Numbers and tokens in URLs, a generated password in a response.
    const calls = await app.inject({ method: 'GET', url: '/api/calls?sipCallId=%2B8613800138000', headers: { authorization: `Bearer ${apiToken}` } });
    expect(calls.statusCode).toBe(200);
    await app.inject({ method: 'GET', url: `/api/nothing/13912345678?access_token=${session}` });
    const generated = (await app.inject({ method: 'POST', url: '/api/staff', headers: { authorization: `Bearer ${SERVICE}` }, payload: { username: 'gen', role: 'agent' } })).json().generatedPassword as string;
    await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { authorization: `Bearer ${session}` } });

    const text = lines.join('');
    expect(text).toMatch(/incoming request/); // the capture works, and fastify logs requests
    expect(text).toMatch(/failed login/);
    expect(text).toContain('/api/calls?sipCallId=*********8000'); // masked, last 4 digits kept
    expect(text).toContain('/api/nothing/*******5678?access_token=[redacted]');
    for (const secret of [PASSWORD, session, apiToken, SERVICE, generated, '13800138000', '13912345678', session.slice(4, 24)]) {
      expect(text, `log contains ${secret.slice(0, 6)}…`).not.toContain(secret);
    }
    expect(text).not.toMatch(/hlt_[A-Za-z0-9_-]{10}/);
    expect(text).not.toMatch(/scrypt\$/);
  });
});
