import type { Flow, FlowNode } from './flow-schema.ts';
import { Jump, type CallSession } from './call-session.ts';
import { NODE_HANDLERS, type NodeServices } from './nodes/index.ts';

/** More node transitions than any real call makes: a flow that loops without waiting is a bug. */
const MAX_TRANSITIONS = 500;

/**
 * Runs a call through the flow from `start` until a node ends it. A Jump (the
 * emergency key) continues at its node from wherever the call was. Errors,
 * including CallEndedError when the caller hangs up, go to the caller.
 */
export async function runFlow(flow: Flow, session: CallSession, start: string, services: NodeServices): Promise<void> {
  let next: string | null = start;
  for (let transitions = 0; next !== null; transitions++) {
    if (transitions > MAX_TRANSITIONS) throw new Error(`flow loops: more than ${MAX_TRANSITIONS} nodes on one call`);
    const node: FlowNode | undefined = flow.nodes[next];
    if (!node) throw new Error(`flow has no node "${next}"`);
    const from = session.node;
    await session.enter(next);
    if (from !== null) session.log.debug({ from }, `transition: ${from} -> ${next}`);
    try {
      const handler = NODE_HANDLERS[node.kind] as (n: FlowNode, s: CallSession, x: NodeServices) => Promise<string | null>;
      next = await handler(node, session, services);
    } catch (err) {
      if (!(err instanceof Jump)) throw err;
      session.log.info({ to: err.node, reason: err.reason }, 'jump');
      next = err.node;
    }
  }
}
