import type { TransferNode } from '../flow-schema.ts';
import type { NodeHandler } from './node-handler.ts';

/**
 * transfer: tells the caller, rings the service desk and connects the first
 * phone that answers; onNoAnswer when nobody answers within
 * serviceDesk.ringSeconds (60 s: the call counts as unanswered, ANS-03).
 */
export const transferNode: NodeHandler<TransferNode> = async (node, session, services) => {
  if (node.category) session.setCategory(node.category);
  await session.play(node.prompts, 'emergency');
  const answered = await services.serviceDesk.connect(session, node);
  return answered ? null : node.onNoAnswer;
};
