import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type pg from 'pg';
import { withDeadline } from '../async/deadline.ts';
import type { CallRecord } from '../domain/call-record.ts';

export interface MetricsSources {
  pool: pg.Pool;
  /** Calls this process runs now. */
  activeCalls: () => number;
  /** Whether the link to this node's Asterisk is up. */
  ariUp: () => boolean;
  /** The node's id: a label on every series, so a cluster's scrapes stay apart. */
  node: string;
}

/** Longest a scrape waits for the database: a database that is away shows as hotline_database_up 0, never as a hung scrape. */
const DB_BUDGET_MS = 1000;

/**
 * The node's figures for Prometheus. Calls and emergencies are counted as
 * they end in this process (counters restart with it, as Prometheus expects);
 * the queues are shared by the nodes and read from the database at each
 * scrape, so every node reports the same depth (label scope="cluster").
 */
export class HotlineMetrics {
  readonly registry = new Registry();
  readonly #calls: Counter<'direction' | 'outcome'>;
  readonly #accept: Histogram;
  readonly #queue: Gauge<'status' | 'scope'>;
  readonly #attempts: Gauge<'outcome' | 'scope'>;
  readonly #outbox: Gauge<'scope'>;
  readonly #dbUp: Gauge;

  constructor(private readonly s: MetricsSources) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node: s.node });
    collectDefaultMetrics({ register: this.registry });
    new Gauge({ name: 'hotline_calls_in_progress', help: 'Calls this node runs now', registers, collect() { this.set(s.activeCalls()); } });
    new Gauge({ name: 'hotline_ari_up', help: '1 when the link to this node\'s Asterisk (ARI) is up', registers, collect() { this.set(s.ariUp() ? 1 : 0); } });
    this.#calls = new Counter({ name: 'hotline_calls_total', help: 'Calls ended on this node, by direction and outcome', labelNames: ['direction', 'outcome'], registers });
    this.#accept = new Histogram({
      name: 'hotline_emergency_accept_seconds', help: 'Time from pressing 1 to a duty officer accepting, of emergency calls ended on this node',
      buckets: [5, 10, 15, 20, 30, 45, 60, 90, 120], registers,
    });
    this.#dbUp = new Gauge({ name: 'hotline_database_up', help: '1 when the database answered this scrape within 1 s', registers });
    this.#queue = new Gauge({ name: 'hotline_outbound_queue_depth', help: 'Outbound callback jobs waiting or being dialled (all nodes)', labelNames: ['status', 'scope'], registers });
    this.#attempts = new Gauge({ name: 'hotline_outbound_attempts_24h', help: 'Outbound dial attempts started in the last 24 h, by outcome (all nodes)', labelNames: ['outcome', 'scope'], registers });
    this.#outbox = new Gauge({ name: 'hotline_outbox_backlog', help: 'Notifications not yet delivered (all nodes)', labelNames: ['scope'], registers });
  }

  /** A call ended in this process. */
  callEnded(r: CallRecord): void {
    this.#calls.inc({ direction: r.direction, outcome: r.outcome ?? 'none' });
    const seconds = r.emergency?.acceptSeconds;
    if (typeof seconds === 'number') this.#accept.observe(seconds);
  }

  /** The text Prometheus scrapes, with the database's figures read now. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    await this.#readDatabase();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async #readDatabase(): Promise<void> {
    const q = (sql: string) => this.s.pool.query<{ k: string; n: number }>(sql);
    try {
      const [queue, attempts, outbox] = await withDeadline(Promise.all([
        q(`select status as k, count(*)::int as n from callback_jobs where status in ('pending', 'dialing') group by status`),
        q(`select coalesce(outcome, 'in-progress') as k, count(*)::int as n from callback_attempts where started_at > now() - interval '24 hours' group by 1`),
        q(`select 'pending' as k, count(*)::int as n from notification_deliveries where status = 'pending'`),
      ]), DB_BUDGET_MS, 'metrics scrape');
      this.#queue.reset();
      for (const status of ['pending', 'dialing']) this.#queue.set({ status, scope: 'cluster' }, queue.rows.find((r) => r.k === status)?.n ?? 0);
      this.#attempts.reset();
      for (const r of attempts.rows) this.#attempts.set({ outcome: r.k, scope: 'cluster' }, r.n);
      this.#outbox.set({ scope: 'cluster' }, outbox.rows[0]?.n ?? 0);
      this.#dbUp.set(1);
    } catch {
      // Not known now: no stale figures, only the database's state.
      this.#queue.reset();
      this.#attempts.reset();
      this.#outbox.reset();
      this.#dbUp.set(0);
    }
  }
}
