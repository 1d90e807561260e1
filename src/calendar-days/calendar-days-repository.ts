import type pg from 'pg';
import { inTransaction, type Queryable } from '../db/transaction.ts';

/** What a day kept in the database is: a public holiday, or a weekend day worked (调休). */
export type StoredDayKind = 'holiday' | 'makeup-workday';

/** A day as entered: local date 'YYYY-MM-DD', its kind and name ('' when none was given). */
export interface CalendarDay {
  date: string;
  kind: StoredDayKind;
  name: string;
}

/** A row of calendar_days. */
export interface StoredDay extends CalendarDay {
  setBy: string;
  setAt: Date;
}

/** What writing one day did: a new row, a row changed (kind or name), or nothing (already so). */
export type WriteResult = 'added' | 'changed' | 'unchanged';

export interface ImportCounts {
  added: number;
  changed: number;
  unchanged: number;
}

/** The table calendar_days (migration 009). Dates travel as text: never through a JS Date and a time zone. */
export class CalendarDaysRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Every stored day, by date. */
  async all(): Promise<StoredDay[]> {
    const { rows } = await this.pool.query(
      `select to_char(date, 'YYYY-MM-DD') as date, kind, name, set_by, set_at from calendar_days order by date`,
    );
    return rows.map((r) => ({ date: r.date, kind: r.kind, name: r.name, setBy: r.set_by, setAt: new Date(r.set_at) }));
  }

  /** Enters a day, or changes it; a day already so is left as it is (set_by and set_at kept). */
  async put(day: CalendarDay, setBy: string, at: Date): Promise<WriteResult> {
    return putOn(this.pool, day, setBy, at);
  }

  /** Removes a stored day; false when there was none. */
  async remove(date: string): Promise<boolean> {
    const res = await this.pool.query('delete from calendar_days where date = $1::date', [date]);
    return (res.rowCount ?? 0) > 0;
  }

  /** Enters all the days in one transaction: all or none. */
  async putAll(days: readonly CalendarDay[], setBy: string, at: Date): Promise<ImportCounts> {
    return inTransaction(this.pool, async (client) => {
      const counts: ImportCounts = { added: 0, changed: 0, unchanged: 0 };
      for (const day of days) counts[await putOn(client, day, setBy, at)]++;
      return counts;
    });
  }
}

async function putOn(db: Queryable, day: CalendarDay, setBy: string, at: Date): Promise<WriteResult> {
  // xmax = 0 on the returned row: it was inserted; no row returned: the conflict's update was skipped.
  const res = await db.query(
    `insert into calendar_days (date, kind, name, set_by, set_at) values ($1::date, $2, $3, $4, $5)
     on conflict (date) do update set kind = excluded.kind, name = excluded.name, set_by = excluded.set_by, set_at = excluded.set_at
       where calendar_days.kind <> excluded.kind or calendar_days.name <> excluded.name
     returning (xmax = 0) as inserted`,
    [day.date, day.kind, day.name, setBy, at],
  );
  const row = res.rows[0] as { inserted: boolean } | undefined;
  return !row ? 'unchanged' : row.inserted ? 'added' : 'changed';
}
