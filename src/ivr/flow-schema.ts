import { Type, type Static } from '@sinclair/typebox';
import { LanguageSchema } from '../config/schema.ts';

/**
 * The shape of a call flow file (flows/*.yaml). Flows are data: menus,
 * prompts, timeouts, retries and destinations. What is code is the node kinds
 * (src/ivr/nodes) and the named decision functions (decisions.ts); there is no
 * expression language in the data.
 */

const NodeId = Type.String({ pattern: '^[a-z][a-z0-9-]*$' });
const PromptId = Type.String({ pattern: '^[a-z][a-z0-9-]*$' });
const KeySchema = Type.String({ pattern: '^[0-9*#]$' });

/** A prompt, or a choice of prompts made by a named function (e.g. greeting by time of day). */
export const PromptItemSchema = Type.Union([
  PromptId,
  Type.Object(
    { select: Type.String(), prompts: Type.Record(Type.String(), PromptId) },
    { additionalProperties: false },
  ),
]);
export type PromptItem = Static<typeof PromptItemSchema>;
const Prompts = Type.Array(PromptItemSchema, { minItems: 1 });

/** Outcomes a node may record on the call (the others come from what happens on the call). */
const Outcome = Type.Optional(Type.Union([Type.Literal('after-hours-message'), Type.Literal('completed')]));

/** Plays prompts, then goes on. Any key stops it and is kept for the next menu. */
export const PlayNodeSchema = Type.Object(
  {
    kind: Type.Literal('play'),
    prompts: Prompts,
    next: NodeId,
    /** Call outcome recorded once the prompts have been heard. */
    outcome: Outcome,
  },
  { additionalProperties: false },
);

/**
 * Asks for one key. Defaults: 3 attempts, 5 s to the first key (PRODUCT
 * "Inbound call flow" 5). A failed attempt replays invalid/no-input lead-in
 * prompts and then `retryPrompts` (or `prompts`).
 */
export const MenuNodeSchema = Type.Object(
  {
    kind: Type.Literal('menu'),
    prompts: Prompts,
    retryPrompts: Type.Optional(Prompts),
    invalidPrompts: Type.Optional(Prompts),
    noInputPrompts: Type.Optional(Prompts),
    // A Record keyed by a pattern allows other keys unless told not to.
    options: Type.Record(KeySchema, NodeId, { additionalProperties: false }),
    attempts: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
    firstKeyTimeoutMs: Type.Integer({ minimum: 1000, maximum: 60_000, default: 5000 }),
    /** After the last attempt when at least one key was wrong. */
    onInvalid: NodeId,
    /** After the last attempt when no key came at all. */
    onNoInput: NodeId,
    /** Like onNoInput, but when no sound was heard either: the silent-caller sequence. */
    onSilence: Type.Optional(NodeId),
    /**
     * Keys pressed before the menu (during a play node) count as its first
     * answer; false drops them, for a message every caller must hear.
     */
    keepTypeAhead: Type.Boolean({ default: true }),
    outcome: Outcome,
  },
  { additionalProperties: false },
);

/** Branches on a named function of the call and the time (decisions.ts). */
export const DecideNodeSchema = Type.Object(
  {
    kind: Type.Literal('decide'),
    function: Type.String(),
    branches: Type.Record(Type.String(), NodeId),
  },
  { additionalProperties: false },
);

/** Rings the service desk (all its phones at once) and connects the first to answer. */
export const TransferNodeSchema = Type.Object(
  {
    kind: Type.Literal('transfer'),
    to: Type.Literal('service-desk'),
    /** What the caller wants; kept on the call (and on a ticket later). */
    category: Type.Optional(
      Type.Union([Type.Literal('repair'), Type.Literal('billing'), Type.Literal('complaint'), Type.Literal('other')]),
    ),
    prompts: Prompts,
    /** While the desk rings: said every holdEverySeconds between stretches of ringback (SCR-16). */
    hold: Type.Optional(PromptId),
    holdEverySeconds: Type.Integer({ minimum: 5, maximum: 120, default: 20 }),
    /** Nobody answered within serviceDesk.ringSeconds. */
    onNoAnswer: NodeId,
  },
  { additionalProperties: false },
);

/** The emergency duty line: targets rung in turn until an officer accepts (config.duty). */
export const DutyLineNodeSchema = Type.Object(
  {
    kind: Type.Literal('duty-line'),
    prompts: Type.Object(
      {
        /** To the caller, first. */
        connecting: PromptId,
        /** To the caller, every duty.reassuranceSeconds while it rings. */
        reassurance: PromptId,
        /** To the officer: "emergency call from", followed by the caller's number. */
        announce: PromptId,
        /** To the officer: "press 1 to accept". */
        pressToAccept: PromptId,
        /** To a caller who hung up early and is now called back. */
        callbackIntro: PromptId,
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/** Switches the rest of the call to another language. */
export const LanguageNodeSchema = Type.Object(
  { kind: Type.Literal('language'), language: LanguageSchema, next: NodeId },
  { additionalProperties: false },
);

/** SCR-47/48: "please speak", wait, "can you hear me", wait, goodbye, pause, hang up. */
export const SilentCallerNodeSchema = Type.Object(
  {
    kind: Type.Literal('silent-caller'),
    prompts: Type.Object(
      { first: PromptId, second: PromptId, goodbye: PromptId },
      { additionalProperties: false },
    ),
    /** Wait after each of the first two prompts, ms (the gas standard: about 3 s). */
    waitMs: Type.Integer({ minimum: 500, maximum: 30_000, default: 3000 }),
    /** Pause after the goodbye before hanging up, ms (2 s). */
    finalPauseMs: Type.Integer({ minimum: 0, maximum: 30_000, default: 2000 }),
    /** Where a caller who presses a key or speaks goes. */
    onResponse: NodeId,
  },
  { additionalProperties: false },
);

/**
 * Voicemail that becomes a ticket (PRODUCT "Voicemail becomes a ticket"): the
 * callback number read back and confirmed (SCR-25), a beep, the recording,
 * and a closing sentence that says by when the caller will be called back.
 */
export const VoicemailNodeSchema = Type.Object(
  {
    kind: Type.Literal('voicemail'),
    /** Ticket category; default the call's category (from the menu path), else other. */
    category: Type.Optional(
      Type.Union([Type.Literal('repair'), Type.Literal('billing'), Type.Literal('complaint'), Type.Literal('other')]),
    ),
    prompts: Type.Object(
      {
        /** "Your phone number is", then the digits. */
        numberIs: PromptId,
        /** "Press 1 if correct, or key another number followed by #." */
        confirm: PromptId,
        /** When there is no caller number: "please key your number followed by #". */
        enterNumber: PromptId,
        /** A keyed number that cannot be a phone number. */
        invalidNumber: PromptId,
        /** After the number was confirmed. */
        thanks: PromptId,
        /** Before the beep: what to say, # to finish. */
        intro: PromptId,
        /** After the recording. */
        saved: PromptId,
        /** Template with {deadline}: when the caller will be called back. */
        callbackBy: PromptId,
        /** The message could not be taken (nothing could keep it). */
        failed: PromptId,
      },
      { additionalProperties: false },
    ),
    maxSeconds: Type.Integer({ minimum: 10, maximum: 600, default: 180 }),
    maxSilenceSeconds: Type.Integer({ minimum: 2, maximum: 60, default: 10 }),
    /** Read-backs before the number is taken as it stands. */
    confirmAttempts: Type.Integer({ minimum: 1, maximum: 5, default: 3 }),
    next: NodeId,
  },
  { additionalProperties: false },
);

/** Says goodbye and ends the call. */
export const HangupNodeSchema = Type.Object(
  {
    kind: Type.Literal('hangup'),
    prompts: Type.Optional(Prompts),
    outcome: Outcome,
  },
  { additionalProperties: false },
);

export const FlowNodeSchema = Type.Union([
  PlayNodeSchema,
  MenuNodeSchema,
  DecideNodeSchema,
  TransferNodeSchema,
  DutyLineNodeSchema,
  LanguageNodeSchema,
  SilentCallerNodeSchema,
  VoicemailNodeSchema,
  HangupNodeSchema,
]);

export const FlowSchema = Type.Object(
  {
    start: NodeId,
    /** Pressing this key during any prompt of any menu goes to emergencyNode. */
    emergencyKey: KeySchema,
    emergencyNode: NodeId,
    /** Played to a caller picked up again after an application restart. */
    resumePrompt: PromptId,
    nodes: Type.Record(NodeId, FlowNodeSchema, { additionalProperties: false }),
  },
  { additionalProperties: false },
);

export type Flow = Static<typeof FlowSchema>;
export type FlowNode = Static<typeof FlowNodeSchema>;
export type PlayNode = Static<typeof PlayNodeSchema>;
export type MenuNode = Static<typeof MenuNodeSchema>;
export type DecideNode = Static<typeof DecideNodeSchema>;
export type TransferNode = Static<typeof TransferNodeSchema>;
export type DutyLineNode = Static<typeof DutyLineNodeSchema>;
export type LanguageNode = Static<typeof LanguageNodeSchema>;
export type SilentCallerNode = Static<typeof SilentCallerNodeSchema>;
export type HangupNode = Static<typeof HangupNodeSchema>;
export type VoicemailNode = Static<typeof VoicemailNodeSchema>;
export type NodeKind = FlowNode['kind'];
