import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../../../src/config/load-config.ts';
import { deadlineFor } from '../../../src/tickets/deadline.ts';
import { TicketRepository } from '../../../src/tickets/ticket-repository.ts';
import type { Ticket } from '../../../src/tickets/ticket.ts';
import type { E2eEnvironment } from './environment.ts';
import { eventually } from './probes.ts';

/** The staff API and the database of an e2e stack, for the outbound tests. */
export class OutboundProbe {
  readonly pool: pg.Pool;
  private readonly tickets: TicketRepository;
  private readonly auth: Record<string, string>;

  constructor(private readonly env: E2eEnvironment) {
    this.pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
    this.tickets = new TicketRepository(this.pool, loadConfig({}).calendar);
    this.auth = { authorization: `Bearer ${env.adminToken}`, 'content-type': 'application/json' };
  }

  /** A ticket as a voicemail leaves it (its audio does not matter here), created at `createdAt`. */
  async ticket(category: Ticket['category'], number: string, createdAt: string): Promise<Ticket> {
    const id = randomUUID();
    const { acceptedAt, deadline } = deadlineFor(loadConfig({}).calendar, category, category === 'complaint' ? 1 : null, new Date(createdAt));
    const t = await this.tickets.create({
      id, category, level: category === 'complaint' ? 1 : null, callerNumber: number, callbackNumber: number, language: 'zh-CN',
      callId: null, createdAt, acceptedAt: acceptedAt.toISOString(), deadline: deadline.toISOString(), recordingName: `voicemail-${id}`,
    });
    await this.tickets.completeRecording(id, null, 'hangup', new Date(createdAt));
    return t;
  }

  /** A staff API request; a 503 (the database not migrated yet after a start) is tried again. */
  async api(method: string, path: string, body?: unknown): Promise<any> {
    const send = () => fetch(`${this.env.httpUrl}${path}`, { method, headers: this.auth, ...(body ? { body: JSON.stringify(body) } : {}) });
    const res = await eventually(async () => {
      const r = await send();
      if (r.status !== 503) return r;
      await r.body?.cancel();
      return undefined;
    }, `${method} ${path} to be served`, 30_000);
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  /** The jobs of a number, newest first. */
  async jobsOf(number: string): Promise<any[]> {
    return (await this.api('GET', `/api/callbacks?number=${number}`)).jobs;
  }

  /** The job once it satisfies `done`. */
  job(number: string, done: (job: any) => boolean, what: string, timeoutMs = 60_000): Promise<any> {
    return eventually(async () => (await this.jobsOf(number)).find(done), what, timeoutMs);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
