import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { AuthService } from './auth-service.ts';
import { principalOf, requireRole } from '../http/auth.ts';
import { CreateStaffBody, CreateStaffResponse, StaffUserSchema, UpdateStaffBody, UsernameParams, userJson } from './schemas.ts';
import { ErrorSchema } from '../http/schemas.ts';

const tags = ['staff'];
const admin = requireRole('admin');

/** Staff accounts: admins only. */
export async function staffRoutes(app: FastifyInstance, auth: AuthService): Promise<void> {

  app.get(
    '/api/staff',
    { preHandler: admin, schema: { tags, summary: 'All staff accounts', response: { 200: Type.Object({ staff: Type.Array(StaffUserSchema) }) } } },
    async () => ({ staff: (await auth.listStaff()).map(userJson) }),
  );

  app.post<{ Body: Static<typeof CreateStaffBody> }>(
    '/api/staff',
    { preHandler: admin, schema: { tags, summary: 'Create a staff account', body: CreateStaffBody, response: { 201: CreateStaffResponse, 400: ErrorSchema, 409: ErrorSchema } } },
    async (req, reply) => {
      const { user, generatedPassword } = await auth.createStaff(principalOf(req).username, req.body);
      return reply.code(201).send({ user: userJson(user), ...(generatedPassword ? { generatedPassword } : {}) });
    },
  );

  app.patch<{ Params: Static<typeof UsernameParams>; Body: Static<typeof UpdateStaffBody> }>(
    '/api/staff/:username',
    {
      preHandler: admin,
      schema: {
        tags,
        summary: 'Change role, display name or active flag, or reset the password',
        params: UsernameParams,
        body: UpdateStaffBody,
        response: { 200: StaffUserSchema, 400: ErrorSchema, 404: ErrorSchema, 409: ErrorSchema },
      },
    },
    async (req) => userJson(await auth.updateStaff(principalOf(req).username, req.params.username, req.body)),
  );
}
