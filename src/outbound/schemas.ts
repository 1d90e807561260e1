import { Type } from '@sinclair/typebox';
import { CategorySchema } from '../domain/category.ts';
import { ATTEMPT_OUTCOMES, JOB_KINDS, JOB_STATUSES } from './job.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Iso = Type.String({ format: 'date-time' });
const literals = (values: readonly string[]) => Type.Union(values.map((v) => Type.Literal(v)));
const csv = (values: readonly string[]) => Type.String({ pattern: `^(${values.join('|')})(,(${values.join('|')}))*$` });

export const AttemptSchema = Type.Object({
  id: Type.String({ format: 'uuid', description: 'the Asterisk channel id of the call' }),
  attempt: Type.Integer(),
  state: literals(['dialing', 'answered', 'ended']),
  outcome: Type.Union([literals(ATTEMPT_OUTCOMES), Type.Null()]),
  answers: Type.Record(Type.String(), Type.Unknown(), { description: 'what the callee keyed: confirm, score, comment, later, optOut, desk' }),
  cause: Type.Union([Type.Integer(), Type.Null()]),
  callId: Nullable(Type.String()),
  startedAt: Iso,
  answeredAt: Nullable(Iso),
  endedAt: Nullable(Iso),
});

export const JobSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  kind: literals(JOB_KINDS),
  priority: Type.Integer(),
  number: Type.String(),
  language: Type.String(),
  ticketId: Nullable(Type.String()),
  callId: Nullable(Type.String()),
  category: Type.Union([CategorySchema, Type.Null()]),
  status: literals(JOB_STATUSES),
  dueAt: Iso,
  attempts: Type.Integer(),
  maxAttempts: Type.Integer(),
  result: Nullable(Type.String()),
  resultDetail: Type.Record(Type.String(), Type.Unknown()),
  createdBy: Type.String(),
  createdAt: Iso,
  updatedAt: Iso,
  attemptList: Type.Array(AttemptSchema),
});

export const JobListQuery = Type.Object(
  {
    status: Type.Optional(csv(JOB_STATUSES)),
    kind: Type.Optional(csv(JOB_KINDS)),
    ticket: Type.Optional(Type.String({ maxLength: 40, description: 'ticket reference or id' })),
    number: Type.Optional(Type.String({ pattern: '^\\+?[0-9]{3,20}$' })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
  },
  { additionalProperties: false },
);

export const NewJobBody = Type.Object(
  {
    kind: literals(['repair-confirmation', 'survey', 'missed-call']),
    number: Type.String({ pattern: '^\\+?[0-9]{5,20}$' }),
    /** The ticket the call is about (reference or id); a repair done elsewhere (new supply) may have none. */
    ticket: Type.Optional(Type.String({ maxLength: 40 })),
    category: Type.Optional(CategorySchema),
    language: Type.Optional(literals(['zh-CN', 'en-US'])),
    dueAt: Type.Optional(Iso),
  },
  { additionalProperties: false },
);

export const JobParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

export const OptOutSchema = Type.Object({
  number: Type.String(),
  at: Iso,
  source: literals(['callee', 'staff']),
  createdBy: Type.String(),
  note: Nullable(Type.String()),
});
export const NumberParams = Type.Object({ number: Type.String({ pattern: '^\\+?[0-9]{3,20}$' }) });
export const OptOutBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 500 })) }, { additionalProperties: false });
