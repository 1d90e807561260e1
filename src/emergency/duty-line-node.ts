import { Type, type Static } from '@sinclair/typebox';
import { PromptId } from '../ivr/flow-schema.ts';
import type { NodeKind } from '../ivr/node-kind.ts';
import { namedPrompts } from '../ivr/nodes/node-helpers.ts';
import type { DutyLine } from './duty-line.ts';

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
export type DutyLineNode = Static<typeof DutyLineNodeSchema>;

/** duty-line: the emergency path (see duty-line.ts); the call ends there. */
export const dutyLineNode: NodeKind<DutyLineNode, DutyLine> = {
  kind: 'duty-line',
  schema: DutyLineNodeSchema,
  takesEmergencies: true,
  next: () => [],
  prompts: (node) => namedPrompts(node.prompts),
  async run(node, session, dutyLine) {
    await dutyLine.connect(session, node);
    return null;
  },
};
