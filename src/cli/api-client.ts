import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load-config.ts';
import { SECRET_NAMES } from '../config/secrets.ts';

/** The API answered with an error status. */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Nothing answers at the API's address: the service is not running (or not yet listening). */
export class ApiUnreachableError extends Error {
  override name = 'ApiUnreachableError';
}

/**
 * A small client of the hotline's HTTP API for command-line tools. The token
 * is the configured admin token or the one the service generated into its data
 * folder at first start.
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string | null;

  constructor(config: LoadedConfig) {
    const host = config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host;
    this.baseUrl = `http://${host}:${config.http.port}`;
    this.token = config.http.adminToken ?? readToken(config.dataDir);
  }

  async get<T>(route: string): Promise<T> {
    return this.request<T>('GET', route);
  }

  async request<T>(method: string, route: string, body?: unknown): Promise<T> {
    const res = await this.send(method, route, body, 10_000);
    const payload = (await res.json().catch(() => ({}))) as { message?: string };
    if (!res.ok) throw new ApiError(`${method} ${route}: ${res.status} ${payload.message ?? ''}`.trim(), res.status);
    return payload as T;
  }

  /** A GET whose answer is a file (a PDF, a CSV): its bytes. */
  async download(route: string, timeoutMs = 60_000): Promise<Buffer> {
    const res = await this.send('GET', route, undefined, timeoutMs);
    if (!res.ok) {
      const payload = (await res.json().catch(() => ({}))) as { message?: string };
      throw new ApiError(`GET ${route}: ${res.status} ${payload.message ?? ''}`.trim(), res.status);
    }
    return Buffer.from(await res.arrayBuffer());
  }

  private async send(method: string, route: string, body: unknown, timeoutMs: number): Promise<Response> {
    if (!this.token) throw new Error('no admin token: set HOTLINE_ADMIN_TOKEN or start the service once (npm start) to generate one');
    try {
      return await fetch(`${this.baseUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch {
      throw new ApiUnreachableError(`the hotline is not reachable at ${this.baseUrl}; is it running (npm start)?`);
    }
  }
}

function readToken(dataDir: string): string | null {
  try {
    return readFileSync(path.join(dataDir, 'secrets', SECRET_NAMES.adminToken), 'utf8').trim() || null;
  } catch {
    return null;
  }
}
