import { Type, type Static } from '@sinclair/typebox';

/** "09:00-20:00": local times, end exclusive. */
const Window = Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d-(([01]\\d|2[0-3]):[0-5]\\d|24:00)$' });

/** How one kind of outbound call is placed. */
const KindSchema = (defaults: { attempts: number; retryMinutes: number; window: string | null }) =>
  Type.Object(
    {
      /** Attempts in all; after the last failed one the job ends "unreachable". */
      attempts: Type.Integer({ minimum: 1, maximum: 10, default: defaults.attempts }),
      /** Pause before the next attempt after one that did not reach a person, minutes. */
      retryMinutes: Type.Number({ minimum: 0.1, maximum: 10_080, default: defaults.retryMinutes }),
      /** Local calling window (never on public holidays); null: any time (emergency callbacks). */
      window: Type.Union([Window, Type.Null()], { default: defaults.window }),
      /** Ring time before an attempt counts as no answer, s. */
      ringSeconds: Type.Integer({ minimum: 10, maximum: 120, default: 40 }),
      /** The call flow of this kind (YAML), relative to the project root. */
      flowFile: Type.Optional(Type.String()),
    },
    { default: {}, additionalProperties: false },
  );

/**
 * Outbound calls (PRODUCT "Outbound calls"): repair confirmations, surveys,
 * missed-call callbacks and the callback of an abandoned emergency call, on a
 * durable queue with calling windows, retries, caps and opt-outs.
 */
export const OutboundSchema = Type.Object(
  {
    kinds: Type.Object(
      {
        'emergency-callback': KindSchema({ attempts: 3, retryMinutes: 0.5, window: null }),
        'repair-confirmation': KindSchema({ attempts: 3, retryMinutes: 120, window: '09:00-20:00' }),
        survey: KindSchema({ attempts: 3, retryMinutes: 120, window: '09:00-20:00' }),
        'missed-call': KindSchema({ attempts: 3, retryMinutes: 120, window: '09:00-20:00' }),
      },
      { default: {}, additionalProperties: false },
    ),
    /** Outbound calls in progress at most (emergency callbacks always go, and count). */
    maxConcurrent: Type.Integer({ minimum: 1, maximum: 500, default: 10 }),
    /** Calls placed per second at most. */
    callsPerSecond: Type.Number({ exclusiveMinimum: 0, maximum: 100, default: 5 }),
    /** Calls to one number per local day at most (emergency callbacks exempt). */
    perNumberPerDay: Type.Integer({ minimum: 1, maximum: 20, default: 2 }),
    /** Survey scores that count as satisfied (KPI-08/09). */
    satisfiedScores: Type.Array(Type.Integer({ minimum: 1, maximum: 5 }), { minItems: 1, default: [4, 5] }),
    /** Ticket categories surveyed once a ticket is closed. */
    surveyCategories: Type.Array(Type.Union([Type.Literal('repair'), Type.Literal('billing'), Type.Literal('complaint'), Type.Literal('other')]), {
      default: ['repair', 'complaint'],
    }),
    /** A survey is due this long after its ticket was closed, minutes (not on the heels of the last call). */
    surveyDelayMinutes: Type.Integer({ minimum: 0, maximum: 43_200, default: 1440 }),
    /** Categories whose missed calls (hung up before a person or the beep) are called back. */
    missedCallCategories: Type.Array(Type.Union([Type.Literal('repair'), Type.Literal('billing'), Type.Literal('complaint'), Type.Literal('other')]), {
      default: ['repair', 'billing', 'complaint', 'other'],
    }),
    /** How often the dialer looks at the queue when nothing woke it, s. */
    pollSeconds: Type.Number({ exclusiveMinimum: 0, maximum: 600, default: 5 }),
  },
  { default: {}, additionalProperties: false },
);
export type OutboundConfig = Static<typeof OutboundSchema>;
