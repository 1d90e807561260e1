import type { Language } from '../config/schema.ts';
import { outranks, type CallRecord, type DutyAttempt, type DutyAttemptResult, type EmergencyRecord } from '../domain/call-record.ts';
import { nameUuid } from '../domain/name-uuid.ts';
import type { CdrRecord } from './cdr-line.ts';

/**
 * A call the dialplan fallback handled, as one call record. Asterisk writes a
 * CDR per Dial attempt of the caller's channel (a fork: same uniqueid, its own
 * dialled party), so the records of one uniqueid are merged: the call runs
 * from the first start to the last end; the dialplan's marks say when the
 * fallback began and when (and on which attempt) an officer pressed 1.
 */

export interface FallbackContext {
  language: Language;
  /** The configured duty targets, in ring order, with the Dial string of each. */
  dutyTargets: ReadonlyArray<{ target: string; dialString: string }>;
}

/** The call's id: the same uniqueid always gives the same id, so importing a call twice writes it once. */
export function callIdOf(uniqueid: string): string {
  return nameUuid(`asterisk-cdr:${uniqueid}`);
}

/**
 * The calls among these records, one per uniqueid that carries the fallback's
 * mark (records without it are no fallback calls and are left out), in order
 * of arrival.
 */
export function fallbackCalls(records: readonly CdrRecord[], ctx: FallbackContext): CallRecord[] {
  const byChannel = new Map<string, CdrRecord[]>();
  for (const r of records) {
    const list = byChannel.get(r.uniqueid) ?? [];
    list.push(r);
    byChannel.set(r.uniqueid, list);
  }
  return [...byChannel.values()]
    .filter((list) => list.some((r) => r.fallbackAt !== null))
    .map((list) => toCallRecord(list, ctx))
    .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

function toCallRecord(list: CdrRecord[], ctx: FallbackContext): CallRecord {
  const forks = [...list].sort((a, b) => a.start.getTime() - b.start.getTime() || a.sequence - b.sequence);
  const first = forks[0]!;
  const earliest = (ds: Array<Date | null>) => ds.reduce<Date | null>((m, d) => (d && (!m || d < m) ? d : m), null);
  const startedAt = earliest(forks.map((r) => r.start))!;
  // The caller's own answer (Answer() as the call arrived) is on the first record; later forks repeat their start.
  const answeredAt = earliest(forks.map((r) => r.answer));
  const endedAt = new Date(Math.max(...forks.map((r) => r.end.getTime())));
  const requestedAt = earliest(forks.map((r) => r.fallbackAt))!;
  const acceptedFork = forks.find((r) => r.acceptedAt !== null) ?? null;
  const attempts = dutyAttempts(forks, ctx, acceptedFork === null);
  const acceptedAt = acceptedFork?.acceptedAt ?? null;
  const emergency: EmergencyRecord & { via: 'dialplan' } = {
    requestedAt: requestedAt.toISOString(),
    acceptedAt: acceptedAt?.toISOString() ?? null,
    acceptedBy: acceptedFork ? targetOf(acceptedFork, ctx) : null,
    acceptSeconds: acceptedAt ? seconds(requestedAt, acceptedAt) : null,
    attempts,
    abandonedAt: acceptedAt ? null : endedAt.toISOString(),
    alerted: false,
    callbackCallId: null,
    via: 'dialplan',
  };
  return {
    id: callIdOf(first.uniqueid),
    channelId: first.uniqueid,
    sipCallId: forks.find((r) => r.sipCallId)?.sipCallId ?? '',
    direction: 'inbound',
    parentCallId: null,
    callerNumber: first.callerNumber,
    calledNumber: forks.find((r) => r.calledNumber)?.calledNumber ?? '',
    language: ctx.language,
    category: null,
    startedAt: startedAt.toISOString(),
    answeredAt: answeredAt?.toISOString() ?? null,
    endedAt: endedAt.toISOString(),
    nodes: [{ node: 'hotline-fallback', at: requestedAt.toISOString() }],
    keys: [],
    outcome: acceptedAt ? 'emergency-accepted' : 'emergency-abandoned',
    outcomeDetail: { via: 'dialplan', linkedid: first.linkedid, cdrRecords: forks.length },
    endedNode: 'hotline-fallback',
    endedBy: null,
    emergency,
    resumedCount: 0,
  };
}

/** Each Dial of the fallback, in order: the dialplan rings the targets one by one, round after round. */
function dutyAttempts(forks: CdrRecord[], ctx: FallbackContext, abandoned: boolean): DutyAttempt[] {
  const dials = forks.filter((r) => r.dstChannel);
  const rounds = Math.max(1, ctx.dutyTargets.length);
  return dials.map((r, i) => ({
    target: targetOf(r, ctx),
    round: Math.floor(i / rounds) + 1,
    startedAt: r.start.toISOString(),
    // A fork's answer time is the caller's (already answered), not the officer's: not known.
    answeredAt: null,
    endedAt: r.end.toISOString(),
    result: attemptResult(r, abandoned && i === dials.length - 1),
    cause: null,
  }));
}

/** The configured target whose Dial string this attempt used; else the dialled endpoint. */
function targetOf(r: CdrRecord, ctx: FallbackContext): string {
  const dialString = r.lastData.split(',')[0] ?? '';
  const known = ctx.dutyTargets.find((t) => t.dialString === dialString);
  return known?.target ?? (dialString || r.dstChannel.replace(/-[0-9a-f]+$/, ''));
}

function attemptResult(r: CdrRecord, callerGone: boolean): DutyAttemptResult {
  if (r.acceptedAt) return 'accepted';
  switch (r.disposition) {
    case 'BUSY':
      return 'busy';
    case 'FAILED':
      return 'failed';
    // The accept step ends an answered phone whose officer did not press 1 with CONGESTION.
    case 'CONGESTION':
      return 'no-key';
    default:
      // NO ANSWER, or ANSWERED without acceptance: on the last attempt of an abandoned call, the caller left.
      return callerGone ? 'caller-gone' : r.disposition === 'ANSWERED' ? 'no-key' : 'no-answer';
  }
}

const seconds = (from: Date, to: Date) => Math.round(to.getTime() - from.getTime()) / 1000;

/**
 * The application's own record of a call it handed to the dialplan fallback
 * (a failure inside the application), completed with what the dialplan did;
 * null when it was completed already. The application's request time stays
 * (the caller asked for the duty line there), its attempts come first.
 */
export function completeHandedOff(app: CallRecord, fallback: CallRecord): CallRecord | null {
  if (app.emergency && (app.emergency as { via?: string }).via === 'dialplan') return null;
  const dialplan = fallback.emergency!;
  const requestedAt = app.emergency?.requestedAt ?? dialplan.requestedAt;
  const emergency = {
    ...dialplan,
    requestedAt,
    acceptSeconds: dialplan.acceptedAt ? seconds(new Date(requestedAt), new Date(dialplan.acceptedAt)) : null,
    attempts: [...(app.emergency?.attempts ?? []), ...dialplan.attempts],
    alerted: app.emergency?.alerted ?? false,
    callbackCallId: app.emergency?.callbackCallId ?? null,
  };
  const keepOutcome = app.outcome !== null && outranks(app.outcome, fallback.outcome!);
  return {
    ...app,
    answeredAt: app.answeredAt ?? fallback.answeredAt,
    endedAt: app.endedAt && app.endedAt > fallback.endedAt! ? app.endedAt : fallback.endedAt,
    nodes: [...app.nodes, ...fallback.nodes],
    outcome: keepOutcome ? app.outcome : fallback.outcome,
    outcomeDetail: { ...app.outcomeDetail, fallback: fallback.outcomeDetail },
    endedNode: 'hotline-fallback',
    emergency,
  };
}
