import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { CallRecord } from '../../../src/domain/call-record.ts';
import { CallRepository } from '../../../src/calls/call-repository.ts';
import type { E2eEnvironment } from './environment.ts';

import { eventually } from '../../support/eventually.ts';

export { eventually };


/** Reads call records straight from the e2e database. */
export class Records {
  private readonly pool: pg.Pool;
  private readonly repo: CallRepository;

  constructor(env: E2eEnvironment) {
    this.pool = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
    this.repo = new CallRepository(this.pool);
  }

  bySipCallId(sipCallId: string): Promise<CallRecord[]> {
    return this.repo.findBySipCallId(sipCallId);
  }

  get(id: string): Promise<CallRecord | null> {
    return this.repo.get(id);
  }

  /** Records of calls from a caller number, newest first. */
  async byCaller(number: string): Promise<CallRecord[]> {
    const { rows } = await this.pool.query('select id from calls where caller_number = $1 order by started_at desc', [number]);
    return (await Promise.all(rows.map((r) => this.repo.get(r.id)))).filter((r): r is CallRecord => r !== null);
  }

  /** The newest record of a caller once it has ended. */
  endedFrom(number: string, timeoutMs = 20_000): Promise<CallRecord> {
    return eventually(async () => (await this.byCaller(number)).find((r) => r.endedAt !== null && r.direction === 'inbound'), `the call from ${number} to end`, timeoutMs);
  }

  /** The record of the call with this SIP Call-ID once it has ended. */
  ended(sipCallId: string, timeoutMs = 20_000): Promise<CallRecord> {
    return eventually(async () => (await this.bySipCallId(sipCallId)).find((r) => r.endedAt !== null), `the record of ${sipCallId} to end`, timeoutMs);
  }

  /** Callback records of a parent call. */
  async callbacksOf(parentId: string): Promise<CallRecord[]> {
    const { rows } = await this.pool.query('select id from calls where parent_call_id = $1', [parentId]);
    return (await Promise.all(rows.map((r) => this.repo.get(r.id)))).filter((r): r is CallRecord => r !== null);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** Direct ARI requests for checks the application does not expose. */
export class AriProbe {
  constructor(private readonly env: E2eEnvironment) {}

  /** Whether Asterisk is recording under this name right now. */
  async isRecording(name: string): Promise<boolean> {
    const res = await fetch(`${this.env.ariUrl}/ari/recordings/live/${encodeURIComponent(name)}`, {
      headers: { authorization: 'Basic ' + Buffer.from(`${this.env.ariUser}:${this.env.ariPassword}`).toString('base64') },
    });
    await res.body?.cancel();
    return res.ok;
  }

  /** Names of the recordings Asterisk has stored. */
  async storedRecordings(): Promise<string[]> {
    return ((await this.get('/recordings/stored')) as Array<{ name: string }>).map((r) => r.name);
  }

  private async get(path: string): Promise<any> {
    const res = await fetch(`${this.env.ariUrl}/ari${path}`, {
      headers: { authorization: 'Basic ' + Buffer.from(`${this.env.ariUser}:${this.env.ariPassword}`).toString('base64') },
    });
    if (!res.ok) throw new Error(`ARI ${path}: HTTP ${res.status}`);
    return res.json();
  }

  channels(): Promise<Array<{ id: string; name: string; state: string; protocol_id: string; dialplan: { app_name: string; app_data: string } }>> {
    return this.get('/channels');
  }

  bridges(): Promise<Array<{ id: string; channels: string[] }>> {
    return this.get('/bridges');
  }

  /** RTP counters of a channel (Asterisk 16.28 has GET /channels/{id}/rtp_statistics). */
  rtp(channelId: string): Promise<{ txcount: number; rxcount: number }> {
    return this.get(`/channels/${encodeURIComponent(channelId)}/rtp_statistics`);
  }
}

/** Rendered length of a prompt in ms, from the stack's prompt manifest. */
export function promptMs(env: E2eEnvironment, id: string, lang: 'zh-CN' | 'en-US' = 'zh-CN'): number {
  const manifest = JSON.parse(readFileSync(path.join(env.root, 'prompts', 'manifest.json'), 'utf8'));
  const entry = manifest.prompts?.[lang]?.[id];
  if (!entry) throw new Error(`no prompt ${id} (${lang}) in the manifest`);
  return entry.durationMs as number;
}
