import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TELEPHONE_FORMAT, toneWav, type PcmFormat } from '../../src/audio/wav.ts';

/**
 * A local stand-in for the Text-to-Speech REST API: POST /v1/text:synthesize
 * answers {"audioContent": "<base64 WAV>"}. It records every request and can
 * be told to fail or to hang. Binds 127.0.0.1 only; close() ends every
 * connection, hanging ones included.
 */
export type FakeBehaviour =
  | { kind: 'ok'; format?: PcmFormat; seconds?: number }
  | { kind: 'status'; status: number }
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export class FakeTtsServer {
  readonly requests: RecordedRequest[] = [];
  behaviour: FakeBehaviour = { kind: 'ok' };
  #server: Server | undefined;
  port = 0;

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : null });
        const b = this.behaviour;
        if (!req.url?.startsWith('/v1/text:synthesize')) return reply(res, 404, { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } });
        if (b.kind === 'hang') return; // never answers; close() ends it
        if (b.kind === 'status') return reply(res, b.status, { error: { code: b.status, message: 'synthetic failure', status: 'INTERNAL' } });
        const wav = toneWav((b.seconds ?? 0.5) * 1000, b.format ?? TELEPHONE_FORMAT, 16000);
        reply(res, 200, { audioContent: wav.toString('base64') });
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.#server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function reply(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

