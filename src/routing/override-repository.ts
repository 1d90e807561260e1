import type pg from 'pg';

export interface StoredOverride {
  mode: 'day' | 'night';
  until: Date;
  setBy: string;
  reason: string;
  setAt: Date;
}

/** The single row of routing_override. */
export class OverrideRepository {
  constructor(private readonly pool: pg.Pool) {}

  async get(): Promise<StoredOverride | null> {
    const { rows } = await this.pool.query('select mode, until, set_by, reason, set_at from routing_override where id = 1');
    const r = rows[0];
    return r ? { mode: r.mode, until: new Date(r.until), setBy: r.set_by, reason: r.reason, setAt: new Date(r.set_at) } : null;
  }

  async set(o: StoredOverride): Promise<void> {
    await this.pool.query(
      `insert into routing_override (id, mode, until, set_by, reason, set_at) values (1, $1, $2, $3, $4, $5)
       on conflict (id) do update set mode = excluded.mode, until = excluded.until, set_by = excluded.set_by,
         reason = excluded.reason, set_at = excluded.set_at`,
      [o.mode, o.until, o.setBy, o.reason, o.setAt],
    );
  }

  async clear(): Promise<void> {
    await this.pool.query('delete from routing_override where id = 1');
  }
}
