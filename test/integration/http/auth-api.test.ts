import pg from 'pg';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/db/migrate.ts';
import { createLogger } from '../../../src/logging/logger.ts';
import { buildAuthTestApp } from '../../support/auth-app.ts';
import { freePort } from '../../support/free-port.ts';
import { startPgCluster, type PgCluster } from '../../support/pg-cluster.ts';

/** Staff accounts, logins, tokens and roles over the HTTP API, on a real PostgreSQL. */
const SERVICE = 'test-service-token-0123456789';
const log = createLogger('silent');
let cluster: PgCluster;
let pool: pg.Pool;
let app: FastifyInstance;
/** Added to the real time by the auth service's clock: lets a test age tokens. */
let clockOffsetMs = 0;

const PASSWORDS = { alice: 'alice-password-1', sam: 'sam-password-22', ada: 'ada-password-333' };
const tokens: Record<string, string> = {};

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const as = (who: string) => bearer(tokens[who]!);
const call = (o: InjectOptions) => app.inject(o);

async function login(username: string, password: string, remoteAddress = '127.0.0.1') {
  return call({ method: 'POST', url: '/api/auth/login', payload: { username, password }, remoteAddress });
}

beforeAll(async () => {
  cluster = await startPgCluster();
  pool = new pg.Pool({ connectionString: cluster.url, max: 3 });
  await migrate(pool, log);
  ({ app } = await buildAuthTestApp(pool, log, SERVICE, {
    now: () => new Date(Date.now() + clockOffsetMs),
    failureDelayMs: 150,
    throttle: { maxPerUser: 3, maxPerAddress: 10, windowMs: 60_000 },
  }));
  // The service token (the CLI's) manages staff like an admin.
  for (const [username, role] of [['alice', 'agent'], ['sam', 'supervisor'], ['ada', 'admin']] as const) {
    const res = await call({
      method: 'POST', url: '/api/staff', headers: bearer(SERVICE),
      payload: { username, role, displayName: username.toUpperCase(), password: PASSWORDS[username] },
    });
    expect(res.statusCode, res.body).toBe(201);
    const session = await login(username, PASSWORDS[username]);
    expect(session.statusCode, session.body).toBe(200);
    tokens[username] = session.json().token;
  }
});

afterAll(async () => {
  await app?.close();
  await pool?.end();
  await cluster?.stop();
});

describe('authentication', () => {
  it('answers 401 with www-authenticate: Bearer without a token, with a bad one, and with a revoked-looking one', async () => {
    for (const headers of [{}, bearer('nope'), bearer(`hlt_${'A'.repeat(43)}`), { authorization: 'Basic YWxpY2U6eA==' }]) {
      const res = await call({ method: 'GET', url: '/api/calls', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json().error).toBe('unauthorized');
    }
  });

  it('logs in: a session token of 12 h, the account, and last_login_at noted', async () => {
    const res = await login('Alice', PASSWORDS.alice); // usernames are lower-case; what people type is lowered
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.token).toMatch(/^hlt_[A-Za-z0-9_-]{43}$/);
    expect(body.user).toMatchObject({ username: 'alice', role: 'agent', displayName: 'ALICE', active: true });
    expect(body.user).not.toHaveProperty('passwordHash');
    expect(Date.parse(body.expiresAt) - Date.now()).toBeGreaterThan(11.9 * 3600_000);
    expect(Date.parse(body.expiresAt) - Date.now()).toBeLessThanOrEqual(12 * 3600_000 + 1000);
    const { rows } = await pool.query(`select token_hash, kind from staff_tokens where id = $1`, [body.tokenId]);
    expect(rows[0].kind).toBe('session');
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].token_hash).not.toContain(body.token.slice(4, 20)); // a hash, not the token
    const me = await call({ method: 'GET', url: '/api/auth/me', headers: bearer(body.token) });
    expect(me.json()).toEqual({ kind: 'staff', username: 'alice', role: 'agent', displayName: 'ALICE', tokenId: body.tokenId });
  });

  it('refuses a wrong password or an unknown user alike, and answers late', async () => {
    for (const [username, password] of [['alice', 'wrong-password'], ['nobody', 'whatever-it-is']]) {
      const started = Date.now();
      const res = await login(username!, password!, '10.0.0.1');
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'unauthorized', message: 'wrong username or password, or the account is deactivated' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    }
  });

  it('locks a username out from an address after repeated failures, even with the right password, but not from elsewhere', async () => {
    for (let i = 0; i < 3; i++) expect((await login('sam', 'not-his-password', '10.0.0.2')).statusCode).toBe(401);
    const locked = await login('sam', PASSWORDS.sam, '10.0.0.2');
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(locked.json().message).toMatch(/too many failed logins/);
    expect((await login('sam', PASSWORDS.sam, '10.0.0.3')).statusCode).toBe(200);
  });

  it('rejects a malformed login body with 400', async () => {
    const res = await call({ method: 'POST', url: '/api/auth/login', payload: { username: 'alice' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/password/);
  });

  it('accepts the service admin token as an admin without a staff account', async () => {
    const me = await call({ method: 'GET', url: '/api/auth/me', headers: bearer(SERVICE) });
    expect(me.json()).toEqual({ kind: 'service', username: 'service', role: 'admin', displayName: null, tokenId: null });
    expect((await call({ method: 'GET', url: '/api/staff', headers: bearer(SERVICE) })).statusCode).toBe(200);
    const tokenForService = await call({ method: 'POST', url: '/api/auth/tokens', headers: bearer(SERVICE), payload: { name: 'x' } });
    expect(tokenForService.statusCode).toBe(403);
    expect(tokenForService.json().message).toMatch(/staff accounts/);
  });

  it('ends a session at logout', async () => {
    const { token } = (await login('alice', PASSWORDS.alice)).json();
    expect((await call({ method: 'GET', url: '/api/routing', headers: bearer(token) })).statusCode).toBe(200);
    expect((await call({ method: 'POST', url: '/api/auth/logout', headers: bearer(token) })).statusCode).toBe(204);
    const after = await call({ method: 'GET', url: '/api/routing', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.json().message).toBe('the token is not valid');
  });

  it('refuses a session token that has expired', async () => {
    const { token } = (await login('alice', PASSWORDS.alice)).json();
    try {
      clockOffsetMs = 12 * 3600_000 + 1000;
      const res = await call({ method: 'GET', url: '/api/calls', headers: bearer(token) });
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toMatch(/expired/);
    } finally {
      clockOffsetMs = 0;
    }
    expect((await call({ method: 'GET', url: '/api/calls', headers: bearer(token) })).statusCode).toBe(200);
  });
});

describe('own password', () => {
  it('changes with the current one; other sessions end, the one in use and API tokens stay', async () => {
    await call({ method: 'POST', url: '/api/staff', headers: as('ada'), payload: { username: 'gus', role: 'agent', password: 'gus-password-1' } });
    const first = (await login('gus', 'gus-password-1')).json().token;
    const second = (await login('gus', 'gus-password-1')).json().token;
    const api = (await call({ method: 'POST', url: '/api/auth/tokens', headers: bearer(first), payload: { name: 'script' } })).json().token;
    const change = (current: string, next: string) =>
      call({ method: 'POST', url: '/api/auth/password', headers: bearer(first), payload: { currentPassword: current, newPassword: next } });

    const wrong = await change('not-it-at-all', 'gus-password-2');
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().message).toBe('the current password is wrong');
    expect((await change('gus-password-1', 'short')).statusCode).toBe(400);
    expect((await change('gus-password-1', 'gus-password-2')).statusCode).toBe(204);

    expect((await call({ method: 'GET', url: '/api/calls', headers: bearer(first) })).statusCode).toBe(200);
    expect((await call({ method: 'GET', url: '/api/calls', headers: bearer(api) })).statusCode).toBe(200);
    expect((await call({ method: 'GET', url: '/api/calls', headers: bearer(second) })).statusCode).toBe(401);
    expect((await login('gus', 'gus-password-1')).statusCode).toBe(401);
    expect((await login('gus', 'gus-password-2')).statusCode).toBe(200);
    const service = await call({ method: 'POST', url: '/api/auth/password', headers: bearer(SERVICE), payload: { currentPassword: 'x', newPassword: 'gus-password-3' } });
    expect(service.statusCode).toBe(400);
  });
});

describe('API tokens', () => {
  it('creates a named token shown once, lists it without the secret, and revokes it', async () => {
    const created = await call({ method: 'POST', url: '/api/auth/tokens', headers: as('sam'), payload: { name: 'wallboard' } });
    expect(created.statusCode).toBe(201);
    const { token, id } = created.json();
    expect(created.json()).toMatchObject({ kind: 'api', name: 'wallboard', expiresAt: null });
    expect(token).toMatch(/^hlt_/);
    expect((await call({ method: 'GET', url: '/api/routing', headers: bearer(token) })).statusCode).toBe(200);

    const list = await call({ method: 'GET', url: '/api/auth/tokens', headers: bearer(token) });
    expect(list.json().tokens.map((t: { id: string }) => t.id)).toContain(id);
    expect(list.body).not.toContain(token);

    // Someone else's token is not there for an agent.
    expect((await call({ method: 'DELETE', url: `/api/auth/tokens/${id}`, headers: as('alice') })).statusCode).toBe(404);
    expect((await call({ method: 'DELETE', url: `/api/auth/tokens/${id}`, headers: as('sam') })).statusCode).toBe(204);
    expect((await call({ method: 'GET', url: '/api/routing', headers: bearer(token) })).statusCode).toBe(401);
    expect((await call({ method: 'DELETE', url: `/api/auth/tokens/${id}`, headers: as('sam') })).statusCode).toBe(404);
  });

  it('lets an admin revoke anyone’s token, and honours an expiry', async () => {
    const soon = new Date(Date.now() + 60_000).toISOString();
    const created = await call({ method: 'POST', url: '/api/auth/tokens', headers: as('alice'), payload: { name: 'short', expiresAt: soon } });
    expect(created.json().expiresAt).toBe(soon);
    const { token, id } = created.json();
    try {
      clockOffsetMs = 120_000;
      expect((await call({ method: 'GET', url: '/api/calls', headers: bearer(token) })).json().message).toMatch(/expired/);
    } finally {
      clockOffsetMs = 0;
    }
    expect((await call({ method: 'DELETE', url: `/api/auth/tokens/${id}`, headers: as('ada') })).statusCode).toBe(204);
    const past = await call({ method: 'POST', url: '/api/auth/tokens', headers: as('alice'), payload: { name: 'x', expiresAt: '2020-01-01T00:00:00Z' } });
    expect(past.statusCode).toBe(400);
  });
});

describe('roles', () => {
  const night = { mode: 'night', until: '2026-11-24T12:00:00+08:00', reason: 'drill' };

  it('lets every role read calls and routing', async () => {
    for (const who of ['alice', 'sam', 'ada']) {
      expect((await call({ method: 'GET', url: '/api/calls', headers: as(who) })).statusCode).toBe(200);
      expect((await call({ method: 'GET', url: '/api/routing', headers: as(who) })).statusCode).toBe(200);
    }
  });

  it('answers 403 with a clear message when an agent tries the day/night switch; a supervisor may, recorded under their name', async () => {
    for (const method of ['PUT', 'DELETE'] as const) {
      const res = await call({ method, url: '/api/routing/override', headers: as('alice'), ...(method === 'PUT' ? { payload: night } : {}) });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ error: 'forbidden', message: 'this needs the supervisor role or higher; alice has the agent role' });
    }
    const set = await call({ method: 'PUT', url: '/api/routing/override', headers: as('sam'), payload: night });
    expect(set.statusCode).toBe(200);
    expect(set.json().override).toMatchObject({ mode: 'night', setBy: 'sam' });
    expect((await call({ method: 'DELETE', url: '/api/routing/override', headers: as('ada') })).statusCode).toBe(200);
  });

  it('keeps staff management to admins', async () => {
    for (const who of ['alice', 'sam']) {
      expect((await call({ method: 'GET', url: '/api/staff', headers: as(who) })).statusCode).toBe(403);
      expect((await call({ method: 'POST', url: '/api/staff', headers: as(who), payload: { username: 'eve', role: 'admin' } })).statusCode).toBe(403);
      expect((await call({ method: 'PATCH', url: '/api/staff/alice', headers: as(who), payload: { role: 'admin' } })).statusCode).toBe(403);
    }
  });
});

describe('the console session cookie', () => {
  const night = () => ({ mode: 'night', until: new Date(Date.now() + 3600_000).toISOString() });
  const signIn = async () => {
    const res = await call({ method: 'POST', url: '/api/auth/session', payload: { username: 'sam', password: PASSWORDS.sam } });
    expect(res.statusCode, res.body).toBe(200);
    const setCookie = String(res.headers['set-cookie']);
    return { res, setCookie, cookie: setCookie.split(';')[0]!, csrf: res.json().csrfToken as string };
  };

  it('signs in into an HttpOnly, SameSite=Strict cookie; the answer holds no token, only the CSRF token', async () => {
    const { res, setCookie, cookie, csrf } = await signIn();
    expect(setCookie).toMatch(/^hotline_session=hlt_[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43\d{3}$/);
    expect(res.json()).not.toHaveProperty('token');
    expect(csrf).toMatch(/^[\w-]{43}$/);
    const me = await call({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    expect(me.json()).toMatchObject({ username: 'sam', role: 'supervisor', csrfToken: csrf });
    // A bearer request gets no CSRF token: it needs none.
    expect((await call({ method: 'GET', url: '/api/auth/me', headers: as('sam') })).json()).not.toHaveProperty('csrfToken');
  });

  it('a change by cookie needs the CSRF token of its own session: without it, or with another, 403', async () => {
    const a = await signIn();
    const b = await signIn();
    for (const headers of [{ cookie: a.cookie }, { cookie: a.cookie, 'x-csrf-token': b.csrf }, { cookie: a.cookie, 'x-csrf-token': '' }]) {
      const res = await call({ method: 'PUT', url: '/api/routing/override', headers, payload: night() });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toBe('csrf');
    }
    const ok = await call({ method: 'PUT', url: '/api/routing/override', headers: { cookie: a.cookie, 'x-csrf-token': a.csrf }, payload: night() });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().override).toMatchObject({ mode: 'night', setBy: 'sam' });
    expect((await call({ method: 'DELETE', url: '/api/routing/override', headers: as('ada') })).statusCode).toBe(200);
  });

  it('signs out: the session is revoked and the cookie cleared', async () => {
    const { cookie, csrf } = await signIn();
    const out = await call({ method: 'DELETE', url: '/api/auth/session', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^hotline_session=; .*Max-Age=0/);
    expect((await call({ method: 'GET', url: '/api/auth/me', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('staff management (admin)', () => {
  it('lists accounts without password hashes', async () => {
    const res = await call({ method: 'GET', url: '/api/staff', headers: as('ada') });
    expect(res.json().staff.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['ada', 'alice', 'sam']));
    expect(res.body).not.toMatch(/scrypt|password/i);
  });

  it('creates an account with a generated password shown once, and refuses a taken or malformed username', async () => {
    const res = await call({ method: 'POST', url: '/api/staff', headers: as('ada'), payload: { username: 'bob', role: 'agent' } });
    expect(res.statusCode).toBe(201);
    const { generatedPassword, user } = res.json();
    expect(user).toMatchObject({ username: 'bob', role: 'agent', displayName: '', active: true, lastLoginAt: null });
    expect((await login('bob', generatedPassword)).statusCode).toBe(200);

    const again = await call({ method: 'POST', url: '/api/staff', headers: as('ada'), payload: { username: 'bob', role: 'agent' } });
    expect(again.statusCode).toBe(409);
    for (const username of ['Bob', 'b', 'bob smith', 'x'.repeat(41)]) {
      const bad = await call({ method: 'POST', url: '/api/staff', headers: as('ada'), payload: { username, role: 'agent' } });
      expect(bad.statusCode, username).toBe(400);
    }
    const short = await call({ method: 'POST', url: '/api/staff', headers: as('ada'), payload: { username: 'carl', role: 'agent', password: 'short' } });
    expect(short.statusCode).toBe(400);
    const role = await call({ method: 'POST', url: '/api/staff', headers: as('ada'), payload: { username: 'carl', role: 'root' } });
    expect(role.statusCode).toBe(400);
  });

  it('changes a role at once, for tokens already issued', async () => {
    const create = await call({ method: 'POST', url: '/api/staff', headers: as('ada'), payload: { username: 'dora', role: 'supervisor', password: 'dora-password-1' } });
    expect(create.statusCode).toBe(201);
    const { token } = (await login('dora', 'dora-password-1')).json();
    const patch = await call({ method: 'PATCH', url: '/api/staff/dora', headers: as('ada'), payload: { role: 'agent', displayName: 'Dora D.' } });
    expect(patch.json()).toMatchObject({ username: 'dora', role: 'agent', displayName: 'Dora D.' });
    expect((await call({ method: 'DELETE', url: '/api/routing/override', headers: bearer(token) })).statusCode).toBe(403);
  });

  it('resets a password: the old one and the old sessions stop working', async () => {
    await call({ method: 'POST', url: '/api/staff', headers: as('ada'), payload: { username: 'emil', role: 'agent', password: 'emil-password-1' } });
    const { token } = (await login('emil', 'emil-password-1')).json();
    const reset = await call({ method: 'PATCH', url: '/api/staff/emil', headers: as('ada'), payload: { password: 'emil-password-2' } });
    expect(reset.statusCode).toBe(200);
    expect((await call({ method: 'GET', url: '/api/calls', headers: bearer(token) })).statusCode).toBe(401);
    expect((await login('emil', 'emil-password-1')).statusCode).toBe(401);
    expect((await login('emil', 'emil-password-2')).statusCode).toBe(200);
  });

  it('deactivates an account: its tokens stop working and it cannot log in', async () => {
    await call({ method: 'POST', url: '/api/staff', headers: as('ada'), payload: { username: 'finn', role: 'agent', password: 'finn-password-1' } });
    const { token } = (await login('finn', 'finn-password-1')).json();
    const api = (await call({ method: 'POST', url: '/api/auth/tokens', headers: bearer(token), payload: { name: 'script' } })).json().token;
    expect((await call({ method: 'PATCH', url: '/api/staff/finn', headers: as('ada'), payload: { active: false } })).json().active).toBe(false);
    for (const t of [token, api]) expect((await call({ method: 'GET', url: '/api/calls', headers: bearer(t) })).statusCode).toBe(401);
    expect((await login('finn', 'finn-password-1')).statusCode).toBe(401);
    expect((await call({ method: 'PATCH', url: '/api/staff/finn', headers: as('ada'), payload: { active: true } })).statusCode).toBe(200);
    expect((await login('finn', 'finn-password-1')).statusCode).toBe(200);
  });

  it('keeps the last active admin, answers 404 for an unknown user and 400 for an empty change', async () => {
    const demote = await call({ method: 'PATCH', url: '/api/staff/ada', headers: bearer(SERVICE), payload: { role: 'supervisor' } });
    expect(demote.statusCode).toBe(409);
    expect(demote.json()).toMatchObject({ error: 'last-admin' });
    expect((await call({ method: 'PATCH', url: '/api/staff/ada', headers: bearer(SERVICE), payload: { active: false } })).statusCode).toBe(409);
    expect((await call({ method: 'PATCH', url: '/api/staff/nobody', headers: as('ada'), payload: { role: 'agent' } })).statusCode).toBe(404);
    expect((await call({ method: 'PATCH', url: '/api/staff/alice', headers: as('ada'), payload: {} })).statusCode).toBe(400);
  });
});

describe('database away', () => {
  it('answers 503 with a clear message for staff tokens and logins; the service token still works', async () => {
    const deadPool = new pg.Pool({ host: '127.0.0.1', port: await freePort(), user: 'x', database: 'x', connectionTimeoutMillis: 2000 });
    deadPool.on('error', () => undefined);
    const { app: away } = await buildAuthTestApp(deadPool, log, SERVICE);
    try {
      const staff = await away.inject({ method: 'GET', url: '/api/routing', headers: as('alice') });
      expect(staff.statusCode).toBe(503);
      expect(staff.json()).toEqual({ error: 'unavailable', message: 'the staff database is not reachable; try again shortly (the service token still works)' });
      const loginRes = await away.inject({ method: 'POST', url: '/api/auth/login', payload: { username: 'alice', password: PASSWORDS.alice } });
      expect(loginRes.statusCode).toBe(503);
      expect(loginRes.json().error).toBe('unavailable');
      expect((await away.inject({ method: 'GET', url: '/api/routing', headers: bearer(SERVICE) })).statusCode).toBe(200);
    } finally {
      await away.close();
      await deadPool.end();
    }
  });

  it('answers 503 when the database hangs or is still migrating, within the deadline', async () => {
    const { app: hung } = await buildAuthTestApp(pool, log, SERVICE, { ready: new Promise(() => {}), dbTimeoutMs: 200 });
    try {
      const res = await hung.inject({ method: 'GET', url: '/api/calls', headers: as('alice') });
      expect(res.statusCode).toBe(503);
      expect(res.json().message).toMatch(/did not answer within 0.2 s/);
    } finally {
      await hung.close();
    }
  });
});
