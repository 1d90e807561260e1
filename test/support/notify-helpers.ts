import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import type { NewTicketEvent } from '../../src/notify/new-ticket-event.ts';
import type { NotificationSettings } from '../../src/notify/settings.ts';

export const FULL_NUMBER = '13812348000';

/** References are unique within a test process (tests find their mails by reference); 0042 is left for fixed ones. */
let referenceSeq = 1000;

export function ticketEvent(overrides: Partial<NewTicketEvent> = {}): NewTicketEvent {
  return {
    ticketId: randomUUID(),
    reference: `HL-20261124-${String(++referenceSeq).padStart(4, '0')}`,
    category: 'complaint',
    level: 2,
    language: 'zh-CN',
    callerNumber: FULL_NUMBER,
    deadline: '2026-11-25T09:30:00.000Z', // 17:30 in Asia/Shanghai
    createdAt: '2026-11-24T01:05:00.000Z',
    recordingSeconds: 42,
    ...overrides,
  };
}

/** Settings with small delays, so retries take milliseconds. */
export function testSettings(overrides: Partial<NotificationSettings> = {}): NotificationSettings {
  return {
    publicBaseUrl: 'https://hotline.example.test/',
    timeZone: 'Asia/Shanghai',
    pollMs: 200,
    retry: { baseDelayMs: 40, maxDelayMs: 200 },
    ...overrides,
  };
}

/** A pool like the service's: its 'error' listener keeps connections that die with the server from crashing the test. */
export function testPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 2_000 });
  pool.on('error', () => undefined);
  return pool;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
}

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  /** Status for the n-th request (1-based); default 200. */
  respond: (n: number, req: ReceivedRequest) => number | 'hang' | Promise<number>;
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1 that records every request. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const receiver = { requests, respond: () => 200 } as unknown as Receiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, rawBody: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      const answer = receiver.respond(requests.length, r);
      if (answer === 'hang') return; // never answers; the client's timeout ends it
      void Promise.resolve(answer).then((status) => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/hotline`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

