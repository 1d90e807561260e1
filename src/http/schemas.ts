import { Type } from '@sinclair/typebox';

/** Shared response shapes of the HTTP API. */
export const ErrorSchema = Type.Object({ error: Type.String(), message: Type.String() });

export const OverrideSchema = Type.Object({
  mode: Type.Union([Type.Literal('day'), Type.Literal('night')]),
  until: Type.String({ format: 'date-time' }),
  setBy: Type.String(),
  reason: Type.String(),
  setAt: Type.String({ format: 'date-time' }),
});

export const CallSchema = Type.Object({
  id: Type.String(),
  channelId: Type.String(),
  sipCallId: Type.String(),
  direction: Type.String(),
  parentCallId: Type.Union([Type.String(), Type.Null()]),
  callerNumber: Type.String(),
  calledNumber: Type.String(),
  language: Type.String(),
  category: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.String(),
  answeredAt: Type.Union([Type.String(), Type.Null()]),
  endedAt: Type.Union([Type.String(), Type.Null()]),
  nodes: Type.Array(Type.Object({ node: Type.String(), at: Type.String() })),
  keys: Type.Array(Type.Object({ key: Type.String(), node: Type.String(), at: Type.String() })),
  outcome: Type.Union([Type.String(), Type.Null()]),
  outcomeDetail: Type.Record(Type.String(), Type.Unknown()),
  endedNode: Type.Union([Type.String(), Type.Null()]),
  endedBy: Type.Union([Type.String(), Type.Null()]),
  emergency: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  resumedCount: Type.Integer(),
});
