import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AuthService } from './auth-service.ts';
import { authenticate, principalOf } from '../http/auth.ts';
import {
  ChangePasswordBody, CreatedToken, CreateTokenBody, LoginBody, LoginResponse, MeResponse, SessionResponse, TokenIdParams, TokenSchema, tokenJson, userJson,
} from './schemas.ts';
import { ErrorSchema } from '../http/schemas.ts';
import { clearSessionCookie, csrfTokenFor, setSessionCookie } from '../http/session-cookie.ts';
import type { LoginResult } from './auth-service.ts';

const tags = ['auth'];

/** Login, logout, who am I, and the caller's own API tokens. */
export async function authRoutes(app: FastifyInstance, auth: AuthService): Promise<void> {

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/api/auth/login',
    {
      schema: {
        tags,
        summary: 'Log in with username and password; returns a session token (12 h)',
        body: LoginBody,
        response: { 200: LoginResponse, 400: ErrorSchema, 401: ErrorSchema, 429: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req, reply) => {
      const result = await auth.login(req.body.username, req.body.password, req.ip);
      if (!result.ok) return refuse(reply, result);
      return { token: result.token, tokenId: result.session.id, expiresAt: result.session.expiresAt!.toISOString(), user: userJson(result.user) };
    },
  );

  app.post<{ Body: Static<typeof LoginBody> }>(
    '/api/auth/session',
    {
      schema: {
        tags,
        summary: "Sign in to the console: the session goes into an HttpOnly, SameSite=Strict cookie; the answer holds the CSRF token",
        body: LoginBody,
        response: { 200: SessionResponse, 400: ErrorSchema, 401: ErrorSchema, 429: ErrorSchema, 503: ErrorSchema },
      },
    },
    async (req, reply) => {
      const result = await auth.login(req.body.username, req.body.password, req.ip);
      if (!result.ok) return refuse(reply, result);
      const expiresAt = result.session.expiresAt!;
      setSessionCookie(req, reply, result.token, expiresAt);
      return { expiresAt: expiresAt.toISOString(), user: userJson(result.user), csrfToken: csrfTokenFor(result.token) };
    },
  );

  app.delete(
    '/api/auth/session',
    { preHandler: authenticate, schema: { tags, summary: "Sign out of the console: the session is revoked and the cookie cleared", response: { 204: Type.Null(), 400: ErrorSchema } } },
    async (req, reply) => {
      await auth.logout(principalOf(req));
      clearSessionCookie(req, reply);
      return reply.code(204).send();
    },
  );

  app.post(
    '/api/auth/logout',
    { preHandler: authenticate, schema: { tags, summary: 'Revoke the token of this request', response: { 204: Type.Null(), 400: ErrorSchema } } },
    async (req, reply) => {
      await auth.logout(principalOf(req));
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/auth/me',
    { preHandler: authenticate, schema: { tags, summary: 'Who the token belongs to', response: { 200: MeResponse } } },
    async (req) => {
      const p = principalOf(req);
      const user = await auth.me(p);
      return {
        kind: p.kind, username: p.username, role: p.role, displayName: user?.displayName ?? null, tokenId: p.tokenId ?? null,
        ...(req.sessionCookie ? { csrfToken: csrfTokenFor(req.sessionCookie) } : {}),
      };
    },
  );

  app.post<{ Body: Static<typeof ChangePasswordBody> }>(
    '/api/auth/password',
    {
      preHandler: authenticate,
      schema: {
        tags,
        summary: 'Change your own password; your other login sessions end',
        body: ChangePasswordBody,
        response: { 204: Type.Null(), 400: ErrorSchema },
      },
    },
    async (req, reply) => {
      await auth.changeOwnPassword(principalOf(req), req.body.currentPassword, req.body.newPassword, req.ip);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/auth/tokens',
    { preHandler: authenticate, schema: { tags, summary: 'The caller’s tokens that are still valid', response: { 200: Type.Object({ tokens: Type.Array(TokenSchema) }) } } },
    async (req) => ({ tokens: (await auth.listTokens(principalOf(req))).map(tokenJson) }),
  );

  app.post<{ Body: Static<typeof CreateTokenBody> }>(
    '/api/auth/tokens',
    {
      preHandler: authenticate,
      schema: { tags, summary: 'Create a named API token for yourself (shown once)', body: CreateTokenBody, response: { 201: CreatedToken, 400: ErrorSchema } },
    },
    async (req, reply) => {
      const { token, record } = await auth.createToken(principalOf(req), req.body.name, req.body.expiresAt ? new Date(req.body.expiresAt) : null);
      return reply.code(201).send({ ...tokenJson(record), token });
    },
  );

  app.delete<{ Params: Static<typeof TokenIdParams> }>(
    '/api/auth/tokens/:id',
    {
      preHandler: authenticate,
      schema: { tags, summary: 'Revoke one of your tokens (admins: anyone’s)', params: TokenIdParams, response: { 204: Type.Null(), 400: ErrorSchema, 404: ErrorSchema } },
    },
    async (req, reply) => {
      if (!(await auth.revokeToken(principalOf(req), req.params.id))) {
        return reply.code(404).send({ error: 'not-found', message: `no valid token ${req.params.id} of yours` });
      }
      return reply.code(204).send();
    },
  );
}

function refuse(reply: FastifyReply, result: Extract<LoginResult, { ok: false }>) {
  if (result.retryAfterSeconds !== null) {
    return reply.code(429).header('retry-after', String(result.retryAfterSeconds))
      .send({ error: 'too-many-requests', message: `too many failed logins; try again in ${result.retryAfterSeconds} s` });
  }
  return reply.code(401).send({ error: 'unauthorized', message: 'wrong username or password, or the account is deactivated' });
}
