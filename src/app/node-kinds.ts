import type { LoadedConfig } from '../config/load-config.ts';
import { DESK_NODE_KINDS } from '../desk/index.ts';
import { EMERGENCY_NODE_KINDS } from '../emergency/index.ts';
import { BASIC_NODE_KINDS } from '../ivr/nodes/index.ts';
import type { FlowCheckContext, PromptAvailability } from '../ivr/load-flow.ts';
import type { AnyNodeKind } from '../ivr/node-kind.ts';
import { calendarDecisions } from '../routing/decisions.ts';
import { OUTBOUND_NODE_KINDS } from '../outbound/index.ts';
import { VOICEMAIL_NODE_KINDS } from '../voicemail/index.ts';

/**
 * Every node kind, for tools that read flows without running the service
 * (the launcher's dialplan fallback, `npm run prompts -- usage`, tests). The
 * running service takes the same kinds from its features, in this order
 * (service.ts).
 */
export const NODE_KINDS: readonly AnyNodeKind[] = [
  ...BASIC_NODE_KINDS,
  ...EMERGENCY_NODE_KINDS,
  ...DESK_NODE_KINDS,
  ...VOICEMAIL_NODE_KINDS,
  ...OUTBOUND_NODE_KINDS,
];

/** How to check a flow outside the running service: every kind, the calendar's decisions, no day/night switch. */
export function offlineFlowContext(config: Pick<LoadedConfig, 'calendar' | 'languages'>, prompts: PromptAvailability): FlowCheckContext {
  return { kinds: NODE_KINDS, decisions: calendarDecisions(config.calendar, () => null), prompts, languages: config.languages.enabled };
}
