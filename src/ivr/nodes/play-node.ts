import type { PlayNode } from '../flow-schema.ts';
import type { NodeHandler } from './node-handler.ts';

/**
 * play: prompts in order, then `next`. A key stops the prompts and is handed
 * on to the next menu, so a caller who knows the menu need not wait.
 */
export const playNode: NodeHandler<PlayNode> = async (node, session) => {
  const result = await session.play(node.prompts);
  if (result.kind === 'key') session.leg.unreadKey(result.key);
  if (node.outcome) session.recorder.outcome(node.outcome);
  return node.next;
};
