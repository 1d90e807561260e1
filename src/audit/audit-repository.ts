import type pg from 'pg';
import type { Queryable } from '../db/transaction.ts';

/** One event to keep: who, in which role, did what, to which subject, and how it was answered. */
export interface AuditEntry {
  /** The staff username, 'service' (the service token) or 'hotline' (the application itself). */
  actor: string;
  role?: string;
  /** 'recording.read', '<METHOD> <route>' (e.g. 'PATCH /api/tickets/:ref'), 'retention', … */
  action: string;
  method?: string;
  /** The URL path, without the query string. */
  path?: string;
  subject?: string | null;
  status?: number | null;
  detail?: Record<string, unknown>;
}

/** A row of audit_log. */
export interface AuditRecord {
  id: number;
  at: Date;
  actor: string;
  role: string;
  action: string;
  method: string;
  path: string;
  subject: string | null;
  status: number | null;
  detail: Record<string, unknown>;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  limit: number;
  offset: number;
}

/** The table audit_log (migration 010): append-only, newest first. */
export class AuditRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** Appends one entry (on the pool, or on a client inside the caller's transaction). */
  async insert(e: AuditEntry, on: Queryable = this.pool): Promise<void> {
    await on.query(
      `insert into audit_log (actor, role, action, method, path, subject, status, detail)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [e.actor, e.role ?? '', e.action, e.method ?? '', e.path ?? '', e.subject ?? null, e.status ?? null, JSON.stringify(e.detail ?? {})],
    );
  }

  /** Entries matching the filter, newest first, and how many match in all. */
  async list(f: AuditFilter): Promise<{ entries: AuditRecord[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (f.actor) add('actor = ?', f.actor);
    if (f.action) add('action = ?', f.action);
    if (f.from) add('at >= ?', f.from);
    if (f.to) add('at < ?', f.to);
    const clause = where.length > 0 ? `where ${where.join(' and ')}` : '';
    const total = await this.pool.query<{ n: string }>(`select count(*) as n from audit_log ${clause}`, params);
    const { rows } = await this.pool.query(
      `select * from audit_log ${clause} order by at desc, id desc limit $${params.length + 1} offset $${params.length + 2}`,
      [...params, f.limit, f.offset],
    );
    return { entries: rows.map(fromRow), total: Number(total.rows[0]!.n) };
  }
}

function fromRow(r: any): AuditRecord {
  return {
    id: Number(r.id),
    at: new Date(r.at),
    actor: r.actor,
    role: r.role,
    action: r.action,
    method: r.method,
    path: r.path,
    subject: r.subject,
    status: r.status,
    detail: r.detail ?? {},
  };
}
