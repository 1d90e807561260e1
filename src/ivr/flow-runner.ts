import { Jump, type CallSession } from './call-session.ts';
import type { FlowNode } from './flow-schema.ts';
import type { NodeRegistry } from './node-kind.ts';

/** More node transitions than any real call makes: a flow that loops without waiting is a bug. */
const MAX_TRANSITIONS = 500;

/**
 * Runs a call through its flow from `start` until a node ends it. A Jump (the
 * emergency key) continues at its node from wherever the call was. Errors,
 * including CallEndedError when the caller hangs up, go to the caller.
 */
export async function runFlow(session: CallSession, start: string, kinds: NodeRegistry): Promise<void> {
  const { flow } = session.env;
  let next: string | null = start;
  for (let transitions = 0; next !== null; transitions++) {
    if (transitions > MAX_TRANSITIONS) throw new Error(`flow loops: more than ${MAX_TRANSITIONS} nodes on one call`);
    const node: FlowNode | undefined = flow.nodes[next];
    if (!node) throw new Error(`flow has no node "${next}"`);
    const from = session.node;
    session.enter(next);
    if (from !== null) session.log.debug({ from }, `transition: ${from} -> ${next}`);
    try {
      next = await kinds.run(node, session);
    } catch (err) {
      if (!(err instanceof Jump)) throw err;
      session.log.info({ to: err.node, reason: err.reason }, 'jump');
      next = err.node;
    }
  }
}

/**
 * Plays a prompt before the flow starts (the apology after a restart, a
 * callback's introduction). The emergency key works there as everywhere: it
 * returns the node to start at instead of escaping as an error.
 */
export async function introduce(session: CallSession, prompt: string): Promise<string | null> {
  try {
    await session.play([prompt], 'emergency');
    return null;
  } catch (err) {
    if (err instanceof Jump) return err.node;
    throw err;
  }
}
