import type pg from 'pg';
import type { CallRecord } from '../domain/call-record.ts';

const COLUMNS = [
  'id', 'channel_id', 'sip_call_id', 'direction', 'parent_call_id', 'caller_number', 'called_number',
  'language', 'category', 'started_at', 'answered_at', 'ended_at', 'nodes', 'keys', 'outcome',
  'outcome_detail', 'ended_node', 'ended_by', 'emergency', 'resumed_count', 'node_id',
] as const;

const INSERT = `insert into calls (${COLUMNS.join(', ')}) values (${COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`;
const UPDATES = COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(', ');

function valuesOf(r: CallRecord, nodeId: string): unknown[] {
  return [
    r.id, r.channelId, r.sipCallId, r.direction, r.parentCallId, r.callerNumber, r.calledNumber,
    r.language, r.category, r.startedAt, r.answeredAt, r.endedAt, JSON.stringify(r.nodes),
    JSON.stringify(r.keys), r.outcome, JSON.stringify(r.outcomeDetail), r.endedNode, r.endedBy,
    r.emergency === null ? null : JSON.stringify(r.emergency), r.resumedCount, nodeId,
  ];
}

/** Rows of the calls table. Writes are whole-row upserts: repeating one is harmless. */
export class CallRepository {
  /** `nodeId`: the node whose Asterisk carries the calls this repository writes (config node.id). */
  constructor(private readonly pool: pg.Pool, private readonly nodeId = '') {}

  /** Writes whole records of distinct calls in one statement (the store batches them). */
  async upsert(records: readonly CallRecord[]): Promise<void> {
    if (records.length === 0) return;
    const width = COLUMNS.length;
    const rows = records.map((_, i) => `(${COLUMNS.map((_, j) => `$${i * width + j + 1}`).join(', ')})`);
    await this.pool.query(
      `insert into calls (${COLUMNS.join(', ')}) values ${rows.join(', ')} on conflict (id) do update set ${UPDATES}, updated_at = now()`,
      records.flatMap((r) => valuesOf(r, this.nodeId)),
    );
  }

  /** Writes a record only when none has its id yet (imported calls: a second import changes nothing); true when written. */
  async insertNew(r: CallRecord): Promise<boolean> {
    const res = await this.pool.query(`${INSERT} on conflict (id) do nothing`, valuesOf(r, this.nodeId));
    return res.rowCount === 1;
  }

  /** The records of calls on an Asterisk channel (the channel id is its uniqueid). */
  async findByChannelId(channelId: string): Promise<CallRecord[]> {
    const { rows } = await this.pool.query('select * from calls where channel_id = $1 order by started_at', [channelId]);
    return rows.map(fromRow);
  }

  /** Closes the records of calls on these channels that ended while no process was following them (after a restart). */
  async markEndedOnChannels(channelIds: readonly string[], at: Date): Promise<void> {
    await this.pool.query(
      `update calls set ended_at = $2, ended_by = coalesce(ended_by, 'far-end'), updated_at = now() where channel_id = any($1) and ended_at is null`,
      [channelIds, at],
    );
  }

  /**
   * Closes the records of calls that were still going on a node that is gone
   * for good (the calls died with its Asterisk): ended when the node was last
   * seen, by the hotline, outcome 'failed' unless one was already reached (an
   * emergency accepted stays accepted), marked nodeLost. Returns how many.
   */
  async closeOfGoneNodes(nodes: readonly string[]): Promise<number> {
    if (nodes.length === 0) return 0;
    const { rowCount } = await this.pool.query(
      `update calls c set ended_at = greatest(c.started_at, n.last_seen), ended_by = coalesce(c.ended_by, 'hotline'),
              outcome = coalesce(c.outcome, 'failed'), outcome_detail = c.outcome_detail || '{"nodeLost": true}', updated_at = now()
         from nodes n
        where n.id = c.node_id and c.node_id = any($1) and c.ended_at is null`,
      [nodes],
    );
    return rowCount ?? 0;
  }

  async get(id: string): Promise<CallRecord | null> {
    const { rows } = await this.pool.query('select * from calls where id = $1', [id]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async findBySipCallId(sipCallId: string): Promise<CallRecord[]> {
    const { rows } = await this.pool.query('select * from calls where sip_call_id = $1 order by started_at', [sipCallId]);
    return rows.map(fromRow);
  }

  async list(filter: { limit: number; since?: Date; outcome?: string }): Promise<CallRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.since) {
      params.push(filter.since);
      where.push(`started_at >= $${params.length}`);
    }
    if (filter.outcome) {
      params.push(filter.outcome);
      where.push(`outcome = $${params.length}`);
    }
    params.push(filter.limit);
    const sql = `select * from calls ${where.length ? `where ${where.join(' and ')}` : ''}
                 order by started_at desc limit $${params.length}`;
    const { rows } = await this.pool.query(sql, params);
    return rows.map(fromRow);
  }

  /** The callback of an abandoned emergency call, named on the call's record (after a restart: the record is written already). */
  async linkCallback(parentCallId: string, callbackCallId: string): Promise<void> {
    await this.pool.query(`update calls set emergency = coalesce(emergency, '{}'::jsonb) || jsonb_build_object('callbackCallId', $2::text), updated_at = now() where id = $1`, [parentCallId, callbackCallId]);
  }

  /** Every callback attempt failed: the abandoned emergency call ends as such. */
  async callbackFailed(parentCallId: string, attempts: number): Promise<void> {
    await this.pool.query(`update calls set outcome = 'emergency-failed', outcome_detail = $2, updated_at = now() where id = $1`, [parentCallId, JSON.stringify({ callbackAttempts: attempts })]);
  }
}

const iso = (v: Date | string | null): string | null => (v === null ? null : new Date(v).toISOString());

function fromRow(row: any): CallRecord {
  return {
    id: row.id,
    channelId: row.channel_id,
    sipCallId: row.sip_call_id,
    direction: row.direction,
    parentCallId: row.parent_call_id,
    callerNumber: row.caller_number,
    calledNumber: row.called_number,
    language: row.language,
    category: row.category,
    startedAt: iso(row.started_at)!,
    answeredAt: iso(row.answered_at),
    endedAt: iso(row.ended_at),
    nodes: row.nodes,
    keys: row.keys,
    outcome: row.outcome,
    outcomeDetail: row.outcome_detail,
    endedNode: row.ended_node,
    endedBy: row.ended_by,
    emergency: row.emergency,
    resumedCount: row.resumed_count,
    nodeId: row.node_id,
  };
}
