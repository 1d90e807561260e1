import { Type, type Static } from '@sinclair/typebox';
import { NodeId } from '../flow-schema.ts';
import type { NodeKind } from '../node-kind.ts';

/** Branches on a named function of the call and the time (a feature's decisions). */
export const DecideNodeSchema = Type.Object(
  {
    kind: Type.Literal('decide'),
    function: Type.String(),
    branches: Type.Record(Type.String(), NodeId),
  },
  { additionalProperties: false },
);
export type DecideNode = Static<typeof DecideNodeSchema>;

/** decide: branches on a named function; start-up checked that every outcome has a branch. */
export const decideNode: NodeKind<DecideNode> = {
  kind: 'decide',
  schema: DecideNodeSchema,
  next: (node) => Object.entries(node.branches).map(([k, v]) => [`branch ${k}`, v]),
  prompts: () => [],
  check: (node, c) => c.covers('branches', node.function, Object.keys(node.branches)),
  async run(node, session) {
    const outcome = session.decide(node.function);
    const next = node.branches[outcome];
    if (next === undefined) throw new Error(`decide ${node.function}: no branch for "${outcome}"`);
    session.log.debug({ function: node.function, outcome }, 'decided');
    return next;
  },
};
