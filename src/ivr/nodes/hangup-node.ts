import { Type, type Static } from '@sinclair/typebox';
import { PromptList } from '../flow-schema.ts';
import type { NodeKind } from '../node-kind.ts';
import { NodeOutcome, promptsOf } from './node-helpers.ts';

/** Says goodbye and ends the call. */
export const HangupNodeSchema = Type.Object(
  {
    kind: Type.Literal('hangup'),
    prompts: Type.Optional(PromptList),
    outcome: NodeOutcome,
  },
  { additionalProperties: false },
);
export type HangupNode = Static<typeof HangupNodeSchema>;

/** hangup: a closing phrase (only the emergency key interrupts it), then the end of the call. */
export const hangupNode: NodeKind<HangupNode> = {
  kind: 'hangup',
  schema: HangupNodeSchema,
  next: () => [],
  prompts: (node) => promptsOf('prompts', node.prompts),
  async run(node, session) {
    if (node.prompts) await session.play(node.prompts, 'emergency');
    session.recorder.outcome(node.outcome ?? 'completed');
    return null;
  },
};
