import type { LoadedConfig } from '../config/load-config.ts';
import type { Emergency } from '../emergency/index.ts';
import type { Feature } from '../feature.ts';
import type { Flow } from '../ivr/flow-schema.ts';
import type { FlowSet } from '../ivr/flow-set.ts';
import type { PromptAvailability } from '../ivr/load-flow.ts';
import type { Logger } from '../logging/logger.ts';
import type { OutboundUses } from '../outbound/index.ts';

/**
 * Loads the inbound flow and every feature's own flows into the flow set,
 * checked against the installed node kinds, decisions and rendered prompts
 * (the service refuses to start with a broken one). Returns the inbound flow.
 */
export function loadFlows(flows: FlowSet, features: readonly Feature[], config: LoadedConfig, prompts: PromptAvailability, log: Logger): Flow {
  const all = [{ name: 'inbound', file: config.flowFile }, ...features.flatMap((f) => f.flows ?? [])];
  for (const { name, file } of all) {
    const { warnings } = flows.load(name, file, prompts, config.languages.enabled);
    for (const w of warnings) log.warn({ flow: file }, w);
  }
  return flows.get('inbound');
}

/** How outbound calls report to the emergency feature on the callbacks of abandoned emergency calls. */
export function emergencyHooks(emergency: Emergency): Pick<OutboundUses, 'onAnswered' | 'onJobEnded'> {
  return {
    onAnswered: (job, callRecordId) => {
      if (job.kind === 'emergency-callback' && job.callId) emergency.callbackAnswered(job.callId, callRecordId);
    },
    onJobEnded: (job) => {
      if (job.kind === 'emergency-callback' && job.status === 'unreachable' && job.callId) emergency.callbackFailed(job.callId, job.number, job.attempts);
    },
  };
}
