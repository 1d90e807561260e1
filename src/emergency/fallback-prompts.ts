import type { FallbackPrompts } from '../asterisk/render-config.ts';
import type { Language } from '../config/schema.ts';
import type { PromptSource } from '../ivr/call-session.ts';
import type { Flow } from '../ivr/flow-schema.ts';
import { dutyLineNode, type DutyLineNode } from './duty-line-node.ts';

/**
 * The prompts the dialplan plays when the application is down: the same ones
 * the flow's duty-line node uses, so both paths sound alike.
 */
export function fallbackPrompts(flow: Flow, prompts: PromptSource, language: Language): FallbackPrompts {
  const node = flow.nodes[flow.emergencyNode];
  if (!node || node.kind !== dutyLineNode.kind) throw new Error(`flow: emergencyNode "${flow.emergencyNode}" is not a duty-line node`);
  const duty = node as DutyLineNode;
  return {
    connecting: prompts.file(duty.prompts.connecting, language),
    stayOnLine: prompts.file(duty.prompts.reassurance, language),
    dutyAnnounce: prompts.file(duty.prompts.announce, language),
    dutyPressOne: prompts.file(duty.prompts.pressToAccept, language),
    digits: Array.from({ length: 10 }, (_, d) => prompts.digitFiles(String(d), language)[0]!),
  };
}
