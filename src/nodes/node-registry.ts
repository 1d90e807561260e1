import type pg from 'pg';

export interface NodeState {
  id: string;
  startedAt: string;
  lastSeen: string;
  /** Seen within goneAfter. */
  alive: boolean;
}

/**
 * The nodes sharing the database, each alive as long as it keeps beating.
 * Times are the database's (now()), so a node with a wrong clock is judged
 * like the others. A node that stops cleanly is not "gone": it is judged by
 * its silence like one that died, since either may come back.
 */
export class NodeRegistry {
  readonly #startedAt = new Date();

  constructor(
    private readonly pool: pg.Pool,
    readonly nodeId: string,
    readonly goneAfterSeconds: number,
  ) {}

  async beat(): Promise<void> {
    await this.pool.query(
      `insert into nodes (id, started_at, last_seen) values ($1, $2, now())
       on conflict (id) do update set last_seen = now(), started_at = excluded.started_at`,
      [this.nodeId, this.#startedAt],
    );
  }

  /** Ids of the nodes not seen for goneAfterSeconds (never this one). */
  async gone(): Promise<string[]> {
    const { rows } = await this.pool.query<{ id: string }>(
      `select id from nodes where id <> $1 and last_seen < now() - make_interval(secs => $2) order by id`,
      [this.nodeId, this.goneAfterSeconds],
    );
    return rows.map((r) => r.id);
  }

  async list(): Promise<NodeState[]> {
    const { rows } = await this.pool.query(
      `select id, started_at, last_seen, last_seen >= now() - make_interval(secs => $1) as alive from nodes order by id`,
      [this.goneAfterSeconds],
    );
    return rows.map((r) => ({ id: r.id, startedAt: r.started_at.toISOString(), lastSeen: r.last_seen.toISOString(), alive: r.alive }));
  }
}
