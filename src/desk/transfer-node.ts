import { Type, type Static } from '@sinclair/typebox';
import { CategorySchema } from '../domain/category.ts';
import { NodeId, PromptId, PromptList } from '../ivr/flow-schema.ts';
import type { NodeKind } from '../ivr/node-kind.ts';
import { promptsOf } from '../ivr/nodes/node-helpers.ts';
import type { ServiceDesk } from './service-desk.ts';

/** Rings the service desk (all its phones at once) and connects the first to answer. */
export const TransferNodeSchema = Type.Object(
  {
    kind: Type.Literal('transfer'),
    to: Type.Literal('service-desk'),
    /** What the caller wants; kept on the call (and on a ticket later). */
    category: Type.Optional(CategorySchema),
    prompts: PromptList,
    /** While the desk rings: said every holdEverySeconds between stretches of ringback (SCR-16). */
    hold: Type.Optional(PromptId),
    holdEverySeconds: Type.Integer({ minimum: 5, maximum: 120, default: 20 }),
    /** Nobody answered within serviceDesk.ringSeconds. */
    onNoAnswer: NodeId,
  },
  { additionalProperties: false },
);
export type TransferNode = Static<typeof TransferNodeSchema>;

/**
 * transfer: tells the caller, rings the service desk and connects the first
 * phone that answers; onNoAnswer when nobody answers within
 * serviceDesk.ringSeconds (60 s: the call counts as unanswered, ANS-03).
 */
export const transferNode: NodeKind<TransferNode, ServiceDesk> = {
  kind: 'transfer',
  schema: TransferNodeSchema,
  next: (node) => [['onNoAnswer', node.onNoAnswer]],
  prompts: (node) => [...promptsOf('prompts', node.prompts), ...promptsOf('hold', node.hold ? [node.hold] : [])],
  async run(node, session, desk) {
    if (node.category) session.setCategory(node.category);
    await session.play(node.prompts, 'emergency');
    const answered = await desk.connect(session, node);
    return answered ? null : node.onNoAnswer;
  },
};
