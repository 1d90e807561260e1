import type { CallRecord } from '../../src/domain/call-record.ts';
import { maskNumber } from '../../src/logging/mask.ts';

/** The parts of a call record (GET /api/calls) the demo prints. */
export type CallView = Pick<
  CallRecord,
  | 'id' | 'callerNumber' | 'language' | 'category' | 'startedAt' | 'answeredAt' | 'endedAt' | 'nodes' | 'keys'
  | 'outcome' | 'outcomeDetail' | 'endedNode' | 'endedBy' | 'emergency'
>;

/** A readable account of a call: each node with its time since the answer, the keys, the outcome. */
export function printCallPath(c: CallView): string {
  const t0 = Date.parse(c.answeredAt ?? c.startedAt);
  const at = (iso: string) => `${((Date.parse(iso) - t0) / 1000).toFixed(1).padStart(6)} s`;
  const lines = [`call ${c.id} from ${maskNumber(c.callerNumber)} (${c.language})`];
  // Keys first: on equal times a key comes before the node it led to (the sort is stable).
  const events = [
    ...c.keys.map((k) => ({ at: k.at, text: `  key ${k.key} (in ${k.node})` })),
    ...c.nodes.map((n) => ({ at: n.at, text: `→ ${n.node}` })),
  ].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const e of events) lines.push(`${at(e.at)}  ${e.text}`);
  if (c.emergency) {
    for (const a of c.emergency.attempts) lines.push(`          duty ${a.target}: ${a.result}`);
    if (c.emergency.acceptedBy) lines.push(`          accepted by ${c.emergency.acceptedBy} after ${c.emergency.acceptSeconds} s`);
  }
  const detail = Object.keys(c.outcomeDetail).length > 0 ? ` ${JSON.stringify(c.outcomeDetail)}` : '';
  lines.push(`outcome: ${c.outcome ?? 'in progress'}${detail}`);
  lines.push(`ended:   ${c.endedAt ? `${at(c.endedAt)} by ${c.endedBy} in ${c.endedNode}` : 'not yet'}${c.category ? `, category ${c.category}` : ''}`);
  return `${lines.join('\n')}\n`;
}
