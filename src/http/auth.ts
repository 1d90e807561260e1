import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler, RouteOptions } from 'fastify';
import { type Principal, type Role, roleAtLeast } from '../domain/staff.ts';
import { UnavailableError } from '../errors/domain-error.ts';
import { ErrorSchema } from './schemas.ts';
import { CSRF_HEADER, csrfOk, sessionFromCookie } from './session-cookie.ts';

export type { Principal, Role } from '../domain/staff.ts';

/** What a bearer token stands for. */
export type VerifyResult = { principal: Principal } | { problem: 'invalid' | 'expired' | 'inactive' };

/** Checks bearer tokens (the staff accounts feature implements it). */
export interface TokenVerifier {
  verify(token: string): Promise<VerifyResult>;
}

/** The staff database cannot answer now: requests get 503 and should be retried. */
export class AuthUnavailableError extends UnavailableError {}

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts for; set by authenticate / requireRole, null on public routes. */
    principal: Principal | null;
    /** The session token when the request was authenticated by the console's cookie. */
    sessionCookie: string | null;
  }
  interface FastifyInstance {
    /** Set by registerAuth. */
    hotlineAuth: TokenVerifier;
  }
}

/** Name of the bearer scheme in the OpenAPI document (components.securitySchemes). */
export const SECURITY_SCHEME = 'bearerAuth';

const MIN_ROLE = Symbol('hotline.minRole');
type RoleHandler = preHandlerAsyncHookHandler & { [MIN_ROLE]?: Role };

/**
 * Makes authenticate / requireRole work on this instance and its child
 * plugins. Call before any route is added: the onRoute hook marks every
 * route guarded by requireRole in the OpenAPI document (bearer security,
 * 401/403/503 answers, the role it needs).
 */
export function registerAuth(app: FastifyInstance, auth: TokenVerifier): void {
  app.decorate('hotlineAuth', auth);
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionCookie', null);
  app.addHook('onRoute', (route: RouteOptions) => {
    const min = [route.preHandler ?? []].flat().map((h) => (h as RoleHandler)[MIN_ROLE]).find(Boolean);
    if (!min) return;
    const schema = route.schema ?? {};
    const needs = `Needs a bearer token of role ${min} or higher (agent < supervisor < admin).`;
    route.schema = {
      ...schema,
      security: [{ [SECURITY_SCHEME]: [] }],
      description: schema.description ? `${schema.description}\n\n${needs}` : needs,
      response: { 401: ErrorSchema, 403: ErrorSchema, 503: ErrorSchema, ...(schema.response as object | undefined) },
    };
  });
}

/**
 * preHandler: the request needs a valid bearer token of at least role `min`.
 * Answers 401 (with `www-authenticate: Bearer`) without a valid token, 403
 * when the role is too low, 503 when the staff database is away; otherwise
 * `request.principal` is set for the handler.
 *
 *   app.get('/api/x', { preHandler: requireRole('supervisor'), schema }, handler)
 */
export function requireRole(min: Role): preHandlerAsyncHookHandler {
  const handler: RoleHandler = async function (request, reply) {
    const principal = request.principal ?? (await identify(request, reply));
    if (!principal) return reply; // answered already
    if (!roleAtLeast(principal.role, min)) {
      return reply.code(403).send({ error: 'forbidden', message: `this needs the ${min} role or higher; ${principal.username} has the ${principal.role} role` });
    }
  };
  handler[MIN_ROLE] = min;
  return handler;
}

/** preHandler: any valid staff or service token (every role is at least agent). */
export const authenticate: preHandlerAsyncHookHandler = requireRole('agent');

/** The principal of a request that passed authenticate / requireRole (throws otherwise: a wiring mistake). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`route ${request.method} ${request.routeOptions.url} has no authenticate/requireRole preHandler`);
  return request.principal;
}

async function identify(request: FastifyRequest, reply: FastifyReply): Promise<Principal | null> {
  const auth = request.server.hotlineAuth;
  if (!auth) throw new Error('registerAuth() was not called on this fastify instance');
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
  const cookie = bearer ? null : sessionFromCookie(request);
  const token = bearer ?? cookie;
  if (!token) {
    await unauthorized(reply, 'a bearer token is required (Authorization: Bearer <token>); log in at POST /api/auth/login, or sign in to the console');
    return null;
  }
  if (cookie && !csrfOk(request, cookie)) {
    await reply.code(403).send({ error: 'csrf', message: `a request signed in by the console's cookie must carry the ${CSRF_HEADER} header of its session` });
    return null;
  }
  try {
    const result = await auth.verify(token);
    if ('principal' in result) {
      request.principal = result.principal;
      if (cookie) request.sessionCookie = cookie;
      return result.principal;
    }
    const messages = {
      invalid: 'the token is not valid',
      expired: 'the token has expired; log in again',
      inactive: 'the account of this token is deactivated',
    } as const;
    await unauthorized(reply, messages[result.problem]);
    return null;
  } catch (err) {
    if (!(err instanceof AuthUnavailableError)) throw err;
    request.log.warn({ err: err.message }, 'authentication unavailable');
    await reply.code(503).header('retry-after', '5').send({ error: 'unavailable', message: `${err.message} (the service token still works)` });
    return null;
  }
}

async function unauthorized(reply: FastifyReply, message: string): Promise<void> {
  await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message });
}
