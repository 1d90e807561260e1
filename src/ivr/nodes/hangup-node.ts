import type { HangupNode } from '../flow-schema.ts';
import type { NodeHandler } from './node-handler.ts';

/** hangup: a closing phrase (only the emergency key interrupts it), then the end of the call. */
export const hangupNode: NodeHandler<HangupNode> = async (node, session) => {
  if (node.prompts) await session.play(node.prompts, 'emergency');
  session.recorder.outcome(node.outcome ?? 'completed');
  return null;
};
