import { Type, type Static } from '@sinclair/typebox';

/**
 * The shape of a call flow file (flows/*.yaml) as far as the flow engine
 * knows it: where a call starts, the emergency key, and a map of nodes. What
 * a node holds is its kind's business: each kind brings its own schema (see
 * node-kind.ts), and the loader checks every node against it. There is no
 * expression language in the data; a decision names a function.
 */

/** Node ids: kebab-case. */
export const NodeId = Type.String({ pattern: '^[a-z][a-z0-9-]*$' });
/** Prompt ids of the catalogue (prompts/catalogue.yaml). */
export const PromptId = Type.String({ pattern: '^[a-z][a-z0-9-]*$' });
/** One DTMF key. */
export const KeySchema = Type.String({ pattern: '^[0-9*#]$' });

/** A prompt, or a choice of prompts made by a named function (e.g. greeting by time of day). */
export const PromptItemSchema = Type.Union([
  PromptId,
  Type.Object(
    { select: Type.String(), prompts: Type.Record(Type.String(), PromptId) },
    { additionalProperties: false },
  ),
]);
export type PromptItem = Static<typeof PromptItemSchema>;
/** A non-empty list of prompts played one after another. */
export const PromptList = Type.Array(PromptItemSchema, { minItems: 1 });

export const FlowSchema = Type.Object(
  {
    start: NodeId,
    /** Pressing this key during any prompt of any menu goes to emergencyNode. */
    emergencyKey: KeySchema,
    emergencyNode: NodeId,
    /** Played to a caller picked up again after an application restart. */
    resumePrompt: PromptId,
    // Each node is checked against its own kind's schema by the loader.
    nodes: Type.Record(NodeId, Type.Object({ kind: Type.String() }), { additionalProperties: false }),
  },
  { additionalProperties: false },
);

/** Any node: its kind decides the rest of its fields. */
export interface FlowNode {
  kind: string;
}

export interface Flow {
  start: string;
  emergencyKey: string;
  emergencyNode: string;
  resumePrompt: string;
  nodes: Record<string, FlowNode>;
}
