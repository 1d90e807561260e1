import { Type } from '@sinclair/typebox';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.ts';
import { ROLES } from '../domain/staff.ts';
import { USERNAME_PATTERN } from './auth-service.ts';
import type { StaffToken, StaffUser } from './staff-repository.ts';

/** Request and response shapes of /api/auth and /api/staff. No shape ever carries a password hash. */
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)), { description: 'agent < supervisor < admin' });
export const UsernameSchema = Type.String({ pattern: USERNAME_PATTERN, description: '3–40 lower-case characters a-z, 0-9, ".", "_", "-"' });
export const NewPasswordSchema = Type.String({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH });
const Time = Type.String({ format: 'date-time' });
const NullableTime = Type.Union([Time, Type.Null()]);

export const StaffUserSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  username: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  active: Type.Boolean(),
  createdAt: Time,
  updatedAt: Time,
  lastLoginAt: NullableTime,
});

export const TokenSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: Type.Union([Type.Literal('session'), Type.Literal('api')]),
  name: Type.String(),
  createdAt: Time,
  lastUsedAt: NullableTime,
  expiresAt: NullableTime,
});

export const LoginBody = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
  },
  { additionalProperties: false },
);

export const LoginResponse = Type.Object({
  token: Type.String({ description: 'bearer token of this session; shown only here' }),
  tokenId: Type.String({ format: 'uuid' }),
  expiresAt: Time,
  user: StaffUserSchema,
});

export const MeResponse = Type.Object({
  kind: Type.Union([Type.Literal('staff'), Type.Literal('service')]),
  username: Type.String(),
  role: RoleSchema,
  displayName: Type.Union([Type.String(), Type.Null()]),
  tokenId: Type.Union([Type.String(), Type.Null()]),
  csrfToken: Type.Optional(Type.String({ description: "only when signed in by the console's cookie: send it as x-csrf-token on every change" })),
});

export const SessionResponse = Type.Object({
  expiresAt: Time,
  user: StaffUserSchema,
  csrfToken: Type.String({ description: 'send it as the x-csrf-token header on every request that changes something' }),
});

export const ChangePasswordBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
    newPassword: NewPasswordSchema,
  },
  { additionalProperties: false },
);

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'what the token is for, e.g. "wallboard"' }),
    expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'omit for a token that does not expire' })),
  },
  { additionalProperties: false },
);

export const CreatedToken = Type.Object({
  ...TokenSchema.properties,
  token: Type.String({ description: 'the bearer token; shown only here, store it now' }),
});

export const TokenIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) });
export const UsernameParams = Type.Object({ username: Type.String({ minLength: 1, maxLength: 100 }) });

export const CreateStaffBody = Type.Object(
  {
    username: UsernameSchema,
    displayName: Type.Optional(Type.String({ maxLength: 100 })),
    role: RoleSchema,
    password: Type.Optional({ ...NewPasswordSchema, description: 'omit to have one generated and returned once' }),
  },
  { additionalProperties: false },
);

export const CreateStaffResponse = Type.Object({
  user: StaffUserSchema,
  generatedPassword: Type.Optional(Type.String({ description: 'present when no password was given; shown only here' })),
});

export const UpdateStaffBody = Type.Object(
  {
    displayName: Type.Optional(Type.String({ maxLength: 100 })),
    role: Type.Optional(RoleSchema),
    active: Type.Optional(Type.Boolean({ description: 'false revokes all tokens of the account' })),
    password: Type.Optional({ ...NewPasswordSchema, description: 'a password reset; ends the account’s login sessions' }),
  },
  { additionalProperties: false, minProperties: 1 },
);

export function userJson(u: StaffUser) {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: u.role,
    active: u.active,
    createdAt: u.createdAt.toISOString(),
    updatedAt: u.updatedAt.toISOString(),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
  };
}

export function tokenJson(t: StaffToken) {
  return {
    id: t.id,
    kind: t.kind,
    name: t.name,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    expiresAt: t.expiresAt?.toISOString() ?? null,
  };
}
