import type { CallRecorder } from '../domain/call-record.ts';
import type { Feature, ServiceBase } from '../feature.ts';
import type { PromptSource } from '../ivr/call-session.ts';
import { bindKinds } from '../ivr/node-kind.ts';
import type { Notification } from '../notify/index.ts';
import { DutyAlerts, type AlertSink } from './alerts.ts';
import { DutyLine } from './duty-line.ts';
import { dutyLineNode } from './duty-line-node.ts';

/** The node kinds of this feature. */
export const EMERGENCY_NODE_KINDS = [dutyLineNode] as const;

/** A callback of an abandoned emergency call, as the queue of outbound calls takes it. */
export interface EmergencyCallbackRequest {
  number: string;
  callId: string;
  language: string;
}

export interface EmergencyUses {
  /** Writes an alert to the durable outbox (the duty webhook). */
  notify?(n: Notification): Promise<void>;
  /** Alerts go here instead (tests). */
  alerts?: AlertSink & { settle?(): Promise<void> };
  /** Queues the callback of a caller who hung up before an officer accepted. */
  callBack?(request: EmergencyCallbackRequest): void;
  /** Writes to call records this process no longer holds (the callback came after a restart). */
  records?: {
    linkCallback(parentCallId: string, callbackCallId: string): Promise<void>;
    callbackFailed(parentCallId: string, attempts: number): Promise<void>;
  };
}

export interface Emergency extends Feature {
  alerts: AlertSink;
  /** A callback was answered: the abandoned call's record names the callback's. */
  callbackAnswered(parentCallId: string, callbackCallId: string): void;
  /** Every callback attempt failed: the abandoned call's record says so, and the duty line is alerted. */
  callbackFailed(parentCallId: string, number: string, attempts: number): void;
}

/**
 * The emergency path: the duty-line node (officers rung in turn until one
 * accepts), alerts when an emergency call is abandoned or unanswered, and the
 * callback of a caller who hung up too early (queued as an outbound call).
 */
export function createEmergency(base: Pick<ServiceBase, 'config' | 'log' | 'telephony' | 'clock'> & { prompts: PromptSource }, uses: EmergencyUses = {}): Emergency {
  const { config, telephony } = base;
  const log = base.log.child({ component: 'alerts' });
  const alerts = uses.alerts ?? new DutyAlerts(log, uses.notify ?? (async () => {}));
  // The records of abandoned calls waiting for their callback, while this process still holds them.
  const waiting = new Map<string, CallRecorder>();
  const dutyLine = new DutyLine({
    telephony,
    prompts: base.prompts,
    duty: config.duty,
    officerLanguage: config.languages.default,
    alerts,
    onAbandoned: (session) => {
      const number = session.customerNumber;
      if (session.recorder.current.direction === 'callback') {
        session.log.warn('the customer hung up on the callback too; no further callback (the alert stands)');
        return;
      }
      if (!/^\+?\d{3,20}$/.test(number) || !uses.callBack) {
        session.log.error('cannot call back: the caller sent no usable number');
        alerts.alert({ kind: 'callback-failed', callId: session.recorder.id, callerNumber: number, at: session.now.toISOString(), detail: { reason: 'no-number' } });
        return;
      }
      waiting.set(session.recorder.id, session.recorder);
      uses.callBack({ number, callId: session.recorder.id, language: session.language });
    },
  });
  return {
    name: 'emergency',
    alerts,
    nodes: bindKinds(EMERGENCY_NODE_KINDS, dutyLine),
    callbackAnswered: (parent, callback) => {
      const recorder = waiting.get(parent);
      if (recorder) recorder.emergency((e) => { e.callbackCallId = callback; }, base.clock.now());
      else void uses.records?.linkCallback(parent, callback).catch((err) => log.warn({ err: (err as Error).message }, 'could not link the callback to its call record'));
      waiting.delete(parent);
    },
    callbackFailed: (parent, number, attempts) => {
      const recorder = waiting.get(parent);
      if (recorder) recorder.outcome('emergency-failed', { callbackAttempts: attempts });
      else void uses.records?.callbackFailed(parent, attempts).catch((err) => log.warn({ err: (err as Error).message }, 'could not mark the call record'));
      waiting.delete(parent);
      alerts.alert({ kind: 'callback-failed', callId: parent, callerNumber: number, at: base.clock.now().toISOString(), detail: { attempts } });
    },
    workers: [{ name: 'duty alerts', start: () => {}, stop: async () => { await (alerts as { settle?(): Promise<void> }).settle?.(); } }],
  };
}
