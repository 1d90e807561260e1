import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Bearer-token check for the operations API. Until staff accounts exist the
 * service has one admin token (HOTLINE_ADMIN_TOKEN, or generated at first
 * start into the data folder). Compared in constant time.
 */
export function requireToken(token: string) {
  const expected = digest(token);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'a bearer token is required' });
      return;
    }
    if (!timingSafeEqual(digest(match[1]!.trim()), expected)) {
      await reply.code(401).header('www-authenticate', 'Bearer').send({ error: 'unauthorized', message: 'the token is not valid' });
    }
  };
}

const digest = (s: string) => createHash('sha256').update(s).digest();
