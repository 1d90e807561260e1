import type { DecideNode } from '../flow-schema.ts';
import type { NodeHandler } from './node-handler.ts';

/** decide: branches on a named function (decisions.ts); start-up checked every outcome has a branch. */
export const decideNode: NodeHandler<DecideNode> = async (node, session) => {
  const outcome = session.decide(node.function);
  const next = node.branches[outcome];
  if (next === undefined) throw new Error(`decide ${node.function}: no branch for "${outcome}"`);
  session.log.debug({ function: node.function, outcome }, 'decided');
  return next;
};
