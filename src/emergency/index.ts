import type { Feature, ServiceBase } from '../feature.ts';
import type { PromptSource } from '../ivr/call-session.ts';
import { bindKinds } from '../ivr/node-kind.ts';
import { AbandonedCallback } from './abandoned-callback.ts';
import { DutyAlerts, type AlertSink } from './alerts.ts';
import { DutyLine } from './duty-line.ts';
import { dutyLineNode } from './duty-line-node.ts';

/** The node kinds of this feature. */
export const EMERGENCY_NODE_KINDS = [dutyLineNode] as const;

/**
 * The emergency path: the duty-line node (officers rung in turn until one
 * accepts), alerts when an emergency call is abandoned or unanswered, and the
 * callback of a caller who hung up too early.
 */
export function createEmergency(
  base: Pick<ServiceBase, 'config' | 'log' | 'telephony' | 'runner'> & { prompts: PromptSource },
  uses: { alerts?: AlertSink & { settle?(): Promise<void> } } = {},
): Feature {
  const { config, telephony } = base;
  const alerts = uses.alerts ?? new DutyAlerts(base.log.child({ component: 'alerts' }), config.duty.alertWebhookUrl);
  const callbacks = new AbandonedCallback({ telephony, runner: base.runner, alerts, trunk: config.trunk });
  const dutyLine = new DutyLine({
    telephony,
    prompts: base.prompts,
    duty: config.duty,
    officerLanguage: config.languages.default,
    alerts,
    onAbandoned: (session, node) => callbacks.callBack(session, node),
  });
  return {
    name: 'emergency',
    nodes: bindKinds(EMERGENCY_NODE_KINDS, dutyLine),
    workers: [{ name: 'duty alerts', start: () => {}, stop: async () => { await alerts.settle?.(); } }],
  };
}
