import { createServer, type Server } from 'node:http';
import { freeUdpPort, runSipp, type Scenario, type SippProcess, type UacScenario } from '../../../tools/sipp/index.ts';
import type { E2eEnvironment } from './environment.ts';

/**
 * SIPp peers for a test: phones (UAS on a configured contact port) and
 * callers (UAC into the hotline). stopAll() after each test, whatever happened.
 */
export class Phones {
  private readonly running: SippProcess[] = [];

  constructor(private readonly env: E2eEnvironment) {}

  /** A phone answering at one of the configured contacts (duty1, desk1, trunk …). */
  async phone(port: number, scenario: Scenario): Promise<SippProcess> {
    const p = runSipp({ scenario, localPort: port, timeoutMs: 150_000 });
    this.running.push(p);
    await p.ready;
    return p;
  }

  /** A caller dialling the hotline from `from` (scenario built with uac({ to, from })). */
  async call(scenario: UacScenario): Promise<SippProcess> {
    const p = runSipp({ scenario, remote: `127.0.0.1:${this.env.ports.sip}`, localPort: await freeUdpPort(), timeoutMs: 150_000 });
    this.running.push(p);
    return p;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.running.splice(0).map((p) => p.stop()));
  }
}

/** A caller number no other test uses, so records can be found by it. */
export function uniqueCaller(prefix = '1381234'): string {
  return `${prefix}${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
}

export interface WebhookReceiver {
  received: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Listens where the duty-alert webhook posts and keeps what arrives. */
export async function webhookReceiver(port: number): Promise<WebhookReceiver> {
  const received: Array<Record<string, unknown>> = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      try {
        received.push(JSON.parse(body) as Record<string, unknown>);
      } catch {
        received.push({ invalid: body });
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
