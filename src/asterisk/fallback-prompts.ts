import type { Language } from '../config/schema.ts';
import type { PromptSource } from '../ivr/call-session.ts';
import type { Flow } from '../ivr/flow-schema.ts';
import type { FallbackPrompts } from './render-config.ts';

/**
 * The prompts the dialplan plays when the application is down: the same ones
 * the flow's duty-line node uses, so both paths sound alike.
 */
export function fallbackPrompts(flow: Flow, prompts: PromptSource, language: Language): FallbackPrompts {
  const node = flow.nodes[flow.emergencyNode];
  if (!node || node.kind !== 'duty-line') throw new Error(`flow: emergencyNode "${flow.emergencyNode}" is not a duty-line node`);
  return {
    connecting: prompts.file(node.prompts.connecting, language),
    stayOnLine: prompts.file(node.prompts.reassurance, language),
    dutyAnnounce: prompts.file(node.prompts.announce, language),
    dutyPressOne: prompts.file(node.prompts.pressToAccept, language),
    digits: Array.from({ length: 10 }, (_, d) => prompts.digitFiles(String(d), language)[0]!),
  };
}
