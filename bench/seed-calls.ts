/**
 * Inbound call rows of a seeded month (bench/seed-month.ts), shaped as the
 * application writes them (src/calls): about 90 % answered within 60 s, a
 * cluster right at the 59/60/61 s edge of ANS-03, about 2 % emergencies with
 * acceptance times and a few abandoned ones (most called back).
 */
import { addSeconds, type MonthProfile, type Random } from './seed-random.ts';

export type Row = Record<string, unknown>;

/** The column types of `calls` for the bulk insert (unnest of typed arrays). */
export const CALL_COLUMNS = {
  id: 'uuid', channel_id: 'text', sip_call_id: 'text', direction: 'text', caller_number: 'text', called_number: 'text',
  language: 'text', category: 'text', started_at: 'timestamptz', answered_at: 'timestamptz', ended_at: 'timestamptz',
  nodes: 'jsonb', keys: 'jsonb', outcome: 'text', outcome_detail: 'jsonb', ended_node: 'text', ended_by: 'text', emergency: 'jsonb',
} as const;

/** What later rows (callbacks) need to know of a call. */
export interface SeededCall {
  id: string;
  callerNumber: string;
  startedAt: Date;
  category: string | null;
  /** Left before anyone answered: a missed-call callback may follow. */
  missed: boolean;
  /** An emergency call abandoned before an officer accepted. */
  abandonedEmergency: boolean;
}

const CATEGORY_KEYS = { repair: '2', billing: '3', complaint: '4', other: '0' } as const;

export function callRows(r: Random, profile: MonthProfile, count: number): { rows: Row[]; calls: SeededCall[] } {
  const rows: Row[] = [];
  const calls: SeededCall[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.uuid();
    const startedAt = profile.draw(r);
    const callerNumber = r.number(60_000);
    const emergency = r.chance(0.02) ? emergencyOf(r, startedAt) : null;
    const answerAfter = emergency ? r.int(0, 2) : answerDelay(r);
    const answeredAt = answerAfter === null ? null : addSeconds(startedAt, answerAfter);
    const category = emergency ? null : r.weighted(CATEGORY_WEIGHTS);
    const outcome = emergency
      ? emergency.acceptedAt ? 'emergency-accepted' : 'emergency-abandoned'
      : answeredAt === null ? 'abandoned' : r.weighted(ANSWERED_OUTCOMES);
    const endedAt = addSeconds(answeredAt ?? startedAt, r.int(20, 420));
    const at = (s: number) => addSeconds(startedAt, s).toISOString();
    const topic = emergency ? 'emergency' : category === 'repair' ? 'repair-menu' : 'main-menu';
    const nodes = [{ node: 'greeting', at: at(0) }, { node: 'emergency-first', at: at(4) }, { node: topic, at: at(9) }];
    if (outcome === 'voicemail') nodes.push({ node: 'voicemail', at: at(30) });
    const keys = emergency ? [{ key: '1', node: 'greeting', at: at(3) }] : category ? [{ key: CATEGORY_KEYS[category], node: 'main-menu', at: at(12) }] : [];
    rows.push({
      id,
      channel_id: `1764${String(i).padStart(6, '0')}.${r.int(1, 99_999)}`,
      sip_call_id: `${r.hex(16)}@127.0.0.1`,
      direction: 'inbound',
      caller_number: callerNumber,
      called_number: '95158',
      language: r.chance(0.04) ? 'en-US' : 'zh-CN',
      category,
      started_at: startedAt,
      answered_at: answeredAt,
      ended_at: endedAt,
      nodes: JSON.stringify(nodes),
      keys: JSON.stringify(keys),
      outcome,
      outcome_detail: JSON.stringify(emergency?.acceptedAt ? { acceptedBy: 'duty1', acceptSeconds: emergency.acceptSeconds } : {}),
      ended_node: nodes.at(-1)!.node,
      ended_by: r.chance(0.7) ? 'caller' : 'hotline',
      emergency: emergency ? JSON.stringify(emergency) : null,
    });
    calls.push({ id, callerNumber, startedAt, category, missed: answeredAt === null && !emergency, abandonedEmergency: !!emergency && !emergency.acceptedAt });
  }
  return { rows, calls };
}

const CATEGORY_WEIGHTS = { repair: 40, billing: 30, complaint: 10, other: 20 } as const;
const ANSWERED_OUTCOMES = { transferred: 55, completed: 15, voicemail: 12, 'desk-unanswered': 6, 'after-hours-message': 12 } as const;

/**
 * Seconds until the hotline answered, or null (the caller left first): about
 * 90 % within ANS-03's 60 s, with calls at exactly 59, 60 and 61 s to keep the
 * edge honest, some answered late and 4 % never.
 */
function answerDelay(r: Random): number | null {
  const u = r.next();
  if (u < 0.875) return Math.floor(1 + r.next() ** 2 * 57);
  if (u < 0.89) return 59;
  if (u < 0.9) return 60;
  if (u < 0.91) return 61;
  if (u < 0.96) return r.int(62, 240);
  return null;
}

/** The emergency record (src/domain/call-record.ts): officers rung in turn, 96 % accepted, the rest abandoned. */
function emergencyOf(r: Random, startedAt: Date) {
  const requestedAt = addSeconds(startedAt, r.int(3, 8));
  const abandoned = r.chance(0.04);
  const acceptSeconds = abandoned ? null : Math.round((4 + r.next() ** 3 * 70) * 10) / 10;
  const ringFor = acceptSeconds ?? r.int(10, 90);
  const attempts = Array.from({ length: Math.ceil(ringFor / 20) }, (_, i) => ({
    target: `duty${(i % 3) + 1}`,
    startedAt: addSeconds(requestedAt, i * 20).toISOString(),
    result: abandoned || i < Math.ceil(ringFor / 20) - 1 ? 'no-answer' : 'accepted',
  }));
  return {
    requestedAt: requestedAt.toISOString(),
    acceptedAt: acceptSeconds === null ? null : addSeconds(requestedAt, acceptSeconds).toISOString(),
    acceptedBy: acceptSeconds === null ? null : attempts.at(-1)!.target,
    acceptSeconds,
    attempts,
    abandonedAt: abandoned ? addSeconds(requestedAt, ringFor).toISOString() : null,
    alerted: abandoned,
    callbackCallId: abandoned && r.chance(0.85) ? r.uuid() : null,
  };
}
