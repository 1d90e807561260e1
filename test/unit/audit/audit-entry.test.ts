import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { auditEntryOf } from '../../../src/audit/routes.ts';

/** The parts of a finished request auditEntryOf reads. */
function request(method: string, url: string, route: string, params: Record<string, string>): FastifyRequest {
  return {
    method, url, params, headers: {}, ip: '127.0.0.1',
    principal: { kind: 'staff', username: 'sam', role: 'supervisor' },
    routeOptions: { url: route },
  } as unknown as FastifyRequest;
}
const reply = { statusCode: 204, elapsedTime: 3.2 } as FastifyReply;

describe('auditEntryOf', () => {
  it('keeps only the last 4 digits of a phone number named in the URL', () => {
    const entry = auditEntryOf(request('DELETE', '/api/opt-outs/13911112222?x=1', '/api/opt-outs/:number', { number: '13911112222' }), reply);
    expect(entry).toMatchObject({ action: 'DELETE /api/opt-outs/:number', subject: '*******2222', path: '/api/opt-outs/*******2222' });
    expect(JSON.stringify(entry)).not.toContain('13911112222');
  });

  it('keeps a ticket reference as it is', () => {
    const entry = auditEntryOf(request('PATCH', '/api/tickets/HL-20261124-0001', '/api/tickets/:ref', { ref: 'HL-20261124-0001' }), reply);
    expect(entry).toMatchObject({ subject: 'HL-20261124-0001', path: '/api/tickets/HL-20261124-0001', status: 204 });
  });

  it('keeps no plain read and no unauthenticated request', () => {
    expect(auditEntryOf(request('GET', '/api/tickets', '/api/tickets', {}), reply)).toBeNull();
    const anonymous = { ...request('POST', '/api/tickets', '/api/tickets', {}), principal: undefined } as unknown as FastifyRequest;
    expect(auditEntryOf(anonymous, reply)).toBeNull();
  });
});
