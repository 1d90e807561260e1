import type { DutyLineNode } from '../flow-schema.ts';
import type { NodeHandler } from './node-handler.ts';

/** duty-line: the emergency path (see src/emergency/duty-line.ts); the call ends there. */
export const dutyLineNode: NodeHandler<DutyLineNode> = async (node, session, services) => {
  await services.dutyLine.connect(session, node);
  return null;
};
