import type { Feature, ServiceBase } from '../feature.ts';
import { bindKinds } from '../ivr/node-kind.ts';
import { ServiceDesk } from './service-desk.ts';
import { transferNode } from './transfer-node.ts';

/** The node kinds of this feature. */
export const DESK_NODE_KINDS = [transferNode] as const;

/** The service desk: the transfer node rings every desk phone and connects the first to answer. */
export function createDesk(base: Pick<ServiceBase, 'config' | 'telephony'>): Feature {
  return {
    name: 'desk',
    nodes: bindKinds(DESK_NODE_KINDS, new ServiceDesk(base.telephony, base.config.serviceDesk)),
  };
}
