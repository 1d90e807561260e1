import { Type } from '@sinclair/typebox';

/** Shared response shapes of the HTTP API. */
export const ErrorSchema = Type.Object({ error: Type.String(), message: Type.String() });
