import { Type, type Static } from '@sinclair/typebox';
import { NodeId, PromptList } from '../flow-schema.ts';
import type { NodeKind } from '../node-kind.ts';
import { NodeOutcome, promptsOf } from './node-helpers.ts';

/** Plays prompts, then goes on. Any key stops it and is kept for the next menu. */
export const PlayNodeSchema = Type.Object(
  {
    kind: Type.Literal('play'),
    prompts: PromptList,
    next: NodeId,
    /** Call outcome recorded once the prompts have been heard. */
    outcome: NodeOutcome,
  },
  { additionalProperties: false },
);
export type PlayNode = Static<typeof PlayNodeSchema>;

/**
 * play: prompts in order, then `next`. A key stops the prompts and is handed
 * on to the next menu, so a caller who knows the menu need not wait.
 */
export const playNode: NodeKind<PlayNode> = {
  kind: 'play',
  schema: PlayNodeSchema,
  next: (node) => [['next', node.next]],
  prompts: (node) => promptsOf('prompts', node.prompts),
  async run(node, session) {
    const result = await session.play(node.prompts);
    if (result.kind === 'key') session.leg.unreadKey(result.key);
    if (node.outcome) session.recorder.outcome(node.outcome);
    return node.next;
  },
};
