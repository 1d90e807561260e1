import { Type } from '@sinclair/typebox';
import { CategorySchema } from '../domain/category.ts';
import { TICKET_CATEGORIES, TICKET_STATUSES } from './ticket.ts';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Iso = Type.String({ format: 'date-time' });

export const TicketStatusSchema = Type.Union(TICKET_STATUSES.map((s) => Type.Literal(s)));
export const TicketCategorySchema = CategorySchema;

/** A ticket as staff see it (full phone numbers: staff only). */
export const TicketSchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  reference: Type.String(),
  category: TicketCategorySchema,
  level: Type.Union([Type.Integer({ minimum: 1, maximum: 4 }), Type.Null()]),
  status: TicketStatusSchema,
  assignee: Nullable(Type.String()),
  callerNumber: Type.String(),
  callbackNumber: Type.String(),
  language: Type.String(),
  callId: Nullable(Type.String()),
  source: Type.String(),
  acceptedAt: Iso,
  deadline: Iso,
  overdue: Type.Boolean(),
  recording: Type.Object({
    state: Type.Union([Type.Literal('recording'), Type.Literal('stored'), Type.Literal('empty'), Type.Literal('deleted')]),
    ms: Type.Union([Type.Integer(), Type.Null()]),
    bytes: Type.Union([Type.Integer(), Type.Null()]),
    sha256: Nullable(Type.String()),
    end: Nullable(Type.String({ description: "why it ended; 'node-lost': the node that recorded it went away before the audio was kept" })),
    /** The node whose Asterisk recorded it ('' on a single node). */
    node: Type.String(),
    /** Speech in the recording, ms; null when not measured. */
    speechMs: Type.Union([Type.Integer(), Type.Null()]),
    /** Where to stream the audio from, when there is audio. */
    url: Nullable(Type.String()),
  }),
  noMessage: Type.Boolean({ description: 'the caller said nothing: no audio, or under a second of speech' }),
  createdAt: Iso,
  completedAt: Nullable(Iso),
  updatedAt: Iso,
});

export const TicketHistorySchema = Type.Object({
  id: Type.Integer(),
  at: Iso,
  actor: Type.String(),
  action: Type.String(),
  from: Type.Unknown(),
  to: Type.Unknown(),
  note: Nullable(Type.String()),
});

/** Comma-separated lists in a query string: ?status=new,assigned */
const csv = (values: readonly string[]) => Type.String({ pattern: `^(${values.join('|')})(,(${values.join('|')}))*$` });

export const TicketListQuery = Type.Object(
  {
    status: Type.Optional(csv(TICKET_STATUSES)),
    category: Type.Optional(csv(TICKET_CATEGORIES)),
    overdue: Type.Optional(Type.Boolean()),
    /** false: only tickets with a message; true: only those without (the caller said nothing). */
    noMessage: Type.Optional(Type.Boolean()),
    assignee: Type.Optional(Type.String({ minLength: 1, maxLength: 40 })),
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    offset: Type.Integer({ minimum: 0, maximum: 100_000, default: 0 }),
  },
  { additionalProperties: false },
);

export const TicketParams = Type.Object({
  ref: Type.String({ pattern: '^([A-Z]{1,6}-\\d{8}-\\d{4,}|[0-9a-fA-F-]{36})$', description: 'reference (HL-20261124-0042) or id' }),
});

export const TicketPatchBody = Type.Object(
  {
    status: Type.Optional(TicketStatusSchema),
    level: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
    assignee: Type.Optional(Type.Union([Type.String({ pattern: '^[a-z0-9._-]{3,40}$' }), Type.Null()])),
    callbackNumber: Type.Optional(Type.String({ pattern: '^\\+?\\d{5,20}$' })),
    note: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
