import type { DutyLineNode, FlowNode, TransferNode } from '../flow-schema.ts';
import type { CallSession } from '../call-session.ts';

/** Services that node kinds use to reach people: the service desk and the duty line. */
export interface NodeServices {
  serviceDesk: {
    /** Rings the desk; resolves with who answered (and after the conversation), or null. */
    connect(session: CallSession, node: TransferNode): Promise<{ answeredBy: string } | null>;
  };
  dutyLine: {
    /** Connects the caller to an officer who accepts; returns when the call is over. */
    connect(session: CallSession, node: DutyLineNode): Promise<void>;
  };
}

/**
 * A node kind: runs one node of the flow for a call and returns the id of the
 * next node, or null when the call is over.
 */
export type NodeHandler<N extends FlowNode = FlowNode> = (
  node: N,
  session: CallSession,
  services: NodeServices,
) => Promise<string | null>;
