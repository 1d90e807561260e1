import type pg from 'pg';
import type { Queryable } from '../db/transaction.ts';

export interface OptOut {
  number: string;
  at: string;
  source: 'callee' | 'staff';
  createdBy: string;
  note: string | null;
}

/**
 * The numbers that asked for no more calls (9 during a call, or staff on the
 * callee's behalf). Checked at dial time; adding a number also cancels the
 * jobs already queued for it, except an emergency callback.
 */
export class OptOutList {
  constructor(private readonly pool: pg.Pool) {}

  async add(number: string, source: OptOut['source'], createdBy: string, note: string | null = null, db: Queryable = this.pool): Promise<void> {
    await db.query(
      `insert into callback_opt_outs (number, source, created_by, note) values ($1, $2, $3, $4) on conflict (number) do nothing`,
      [number, source, createdBy, note],
    );
    await db.query(
      `update callback_jobs set status = 'opted-out', result = 'opted-out', updated_at = now()
        where number = $1 and status = 'pending' and kind <> 'emergency-callback'`,
      [number],
    );
  }

  async remove(number: string): Promise<boolean> {
    return ((await this.pool.query('delete from callback_opt_outs where number = $1', [number])).rowCount ?? 0) > 0;
  }

  async get(number: string): Promise<OptOut | null> {
    const { rows } = await this.pool.query('select * from callback_opt_outs where number = $1', [number]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async list(limit: number, offset: number): Promise<{ optOuts: OptOut[]; total: number }> {
    const total = (await this.pool.query('select count(*)::int as n from callback_opt_outs')).rows[0].n;
    const { rows } = await this.pool.query('select * from callback_opt_outs order by at desc limit $1 offset $2', [limit, offset]);
    return { optOuts: rows.map(fromRow), total };
  }
}

function fromRow(r: { number: string; at: Date; source: OptOut['source']; created_by: string; note: string | null }): OptOut {
  return { number: r.number, at: r.at.toISOString(), source: r.source, createdBy: r.created_by, note: r.note };
}
