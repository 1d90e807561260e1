import http from 'node:http';

/**
 * One ARI REST request as data. The requests a call makes at every prompt
 * (play, stop, set a variable, …) are sent as these over plain keep-alive
 * HTTP instead of through ari-client: its swagger-client builds each request
 * anew (the operation's parameter checks, a Basic header re-encoded with a
 * deprecated Buffer call, the shred HTTP client), which was the application's
 * largest cost per call (issue 10's profile: ~14 % of the busy time at 8 calls a
 * second). ari-client still carries the rest (bridges, originate, listings).
 */
export interface AriCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Below /ari/, each segment already encoded (see ariCalls). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
}

/** A non-2xx answer. The message is Asterisk's body, as ari-client gave it, so isGoneError reads both alike. */
export class AriHttpError extends Error {
  override name = 'AriHttpError';
  constructor(readonly status: number, body: string) {
    super(body.trim() || `HTTP ${status}`);
  }
}

/** A request that never got an answer: no connection, a reset, the deadline. */
export class AriTransportError extends Error {
  override name = 'AriTransportError';
}

/** A reused connection that turned out closed before any answer. */
class StaleConnectionError extends AriTransportError {}

const IDLE_CLOSE_MS = 10_000;

const seg = encodeURIComponent;

/** The leg's requests, by the paths of Asterisk 16's ARI. */
export const ariCalls = {
  answer: (channelId: string): AriCall => ({ method: 'POST', path: `channels/${seg(channelId)}/answer` }),
  play: (channelId: string, media: string, playbackId: string): AriCall => ({
    method: 'POST',
    path: `channels/${seg(channelId)}/play/${seg(playbackId)}`,
    query: { media },
  }),
  stopPlayback: (playbackId: string): AriCall => ({ method: 'DELETE', path: `playbacks/${seg(playbackId)}` }),
  setVar: (channelId: string, variable: string, value: string): AriCall => ({
    method: 'POST',
    path: `channels/${seg(channelId)}/variable`,
    query: { variable, value },
  }),
  getVar: (channelId: string, variable: string): AriCall => ({ method: 'GET', path: `channels/${seg(channelId)}/variable`, query: { variable } }),
  getChannel: (channelId: string): AriCall => ({ method: 'GET', path: `channels/${seg(channelId)}` }),
  hangup: (channelId: string, reason = 'normal'): AriCall => ({ method: 'DELETE', path: `channels/${seg(channelId)}`, query: { reason } }),
  continueInDialplan: (channelId: string, context: string, extension: string, priority: number): AriCall => ({
    method: 'POST',
    path: `channels/${seg(channelId)}/continue`,
    query: { context, extension, priority },
  }),
  record: (channelId: string, q: AriCall['query']): AriCall => ({ method: 'POST', path: `channels/${seg(channelId)}/record`, query: q }),
  setGlobal: (variable: string, value: string): AriCall => ({ method: 'POST', path: 'asterisk/variable', query: { variable, value } }),
};

/**
 * Plain HTTP to ARI over a few kept-alive connections: the authorization
 * header is encoded once, the connection is reused, the answer is parsed once.
 */
export class AriRest {
  private readonly agent: http.Agent;
  private readonly authorization: string;
  private readonly host: string;
  private readonly port: number;

  constructor(url: string, user: string, password: string, maxSockets: number) {
    const u = new URL(url);
    this.host = u.hostname;
    this.port = Number(u.port || 80);
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    // Asterisk closes a connection idle for 15 s (http.conf session_keep_alive): ours go first.
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: IDLE_CLOSE_MS });
  }

  /**
   * Called with how long each request waited for a free connection, ms: when
   * that grows under load, the wait is on our side (too few connections), not
   * in Asterisk.
   */
  onConnectionWait: ((ms: number) => void) | null = null;

  /** Resolves with Asterisk's answer, or rejects; within `timeoutMs` in all, the wait for a free connection included. */
  async send(call: AriCall, timeoutMs: number): Promise<unknown> {
    const deadline = performance.now() + timeoutMs;
    try {
      return await this.attempt(call, timeoutMs);
    } catch (err) {
      // A kept-alive connection Asterisk closed just as we reused it: the request never reached it. Once more, anew.
      if (err instanceof StaleConnectionError) return this.attempt(call, Math.max(1, deadline - performance.now()));
      throw err;
    }
  }

  private attempt(call: AriCall, timeoutMs: number): Promise<unknown> {
    return new Promise((outerResolve, outerReject) => {
      // The deadline runs from now, not from when a connection is free: under load a request may
      // queue for one (all busy on requests Asterisk has not answered), and that wait needs a bound too.
      // Rejected here, not through the request's 'error': a request still queued for a connection
      // reports its destruction only once it gets one.
      const timer = setTimeout(() => {
        const err = new AriTransportError(`${call.method} ${call.path}: no answer within ${timeoutMs} ms`);
        reject(err);
        req.destroy(err);
      }, timeoutMs);
      let settled = false;
      const resolve = (value: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outerResolve(value);
      };
      const reject = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outerReject(err);
      };
      const req = http.request(
        {
          agent: this.agent,
          host: this.host,
          port: this.port,
          method: call.method,
          path: `/ari/${call.path}${queryString(call.query)}`,
          headers: { authorization: this.authorization, 'content-length': '0' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (err) => reject(new AriTransportError(`${call.method} ${call.path}: ${err.message}`)));
          res.on('end', () => {
            const text = chunks.length === 0 ? '' : Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) return reject(new AriHttpError(status, text));
            try {
              resolve(text ? JSON.parse(text) : undefined);
            } catch {
              reject(new AriHttpError(status, `not JSON: ${text.slice(0, 80)}`));
            }
          });
        },
      );
      const asked = performance.now();
      req.once('socket', () => this.onConnectionWait?.(performance.now() - asked));
      req.on('error', (err: NodeJS.ErrnoException) => {
        const message = `${call.method} ${call.path}: ${err.message}`;
        const stale = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
        reject(stale ? new StaleConnectionError(message) : new AriTransportError(message));
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function queryString(query: AriCall['query']): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) parts.push(`${key}=${encodeURIComponent(String(value))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}
