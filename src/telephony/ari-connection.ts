import { EventEmitter } from 'node:events';
import http from 'node:http';
import ari from 'ari-client';
import type { Client } from 'ari-client';
import WebSocket from 'ws';
import { withDeadline } from '../async/deadline.ts';
import type { Logger } from '../logging/logger.ts';
import { asAriEvent, type AriEvent } from './ari-events.ts';
import { AriRest, AriTransportError, type AriCall } from './ari-rest.ts';
import { RequestTimings } from './request-timings.ts';

export type { AriEvent } from './ari-events.ts';
export type { AriCall } from './ari-rest.ts';

export interface AriConnectionOptions {
  /** http://host:port of Asterisk's HTTP server. */
  url: string;
  user: string;
  password: string;
  app: string;
  log: Logger;
  /** Longest pause between reconnect attempts, ms; default 3000. */
  maxBackoffMs?: number;
  /** Time allowed for one REST request, ms; default 10 000. */
  requestTimeoutMs?: number;
  /** HTTP connections to Asterisk for the calls' requests at most; default 16. */
  connections?: number;
}

/**
 * Connections to Asterisk's HTTP server at most. Asterisk serves at most 100
 * HTTP sessions (http.conf sessionlimit) with a thread each; an unbounded
 * client opened more under a burst of calls, and requests beyond the limit
 * stalled until the 10 s request deadline (measured at 16 and 20 calls a
 * second), handing callers over to the dialplan. A few kept-alive connections,
 * reused, serve the burst best: 64 were slower than 16 (Asterisk's threads
 * contend), see the note of issue 10 and `npm run bench -- --steps`.
 */
const ARI_SOCKETS = 16;
/** ari-client's share: the rarer requests (bridges, originate, listings). */
const ARI_CLIENT_SOCKETS = 4;

/**
 * ari-client takes no HTTP agent: its requests go through the process's
 * plain-HTTP global agent, which in the application process carries nothing
 * but ARI (webhooks use fetch, TTS its own clients). So that agent is ARI's.
 */
function useAriSockets(max: number): void {
  if (http.globalAgent.maxSockets === max) return;
  http.globalAgent = new http.Agent({ keepAlive: true, maxSockets: max, maxFreeSockets: max });
}

/** In the request timings: how long the calls' requests waited for one of the connections before being sent. */
const CONNECTION_WAIT = 'waiting for a connection';

/** Thrown by request() while Asterisk cannot be reached. */
export class AriUnavailableError extends Error {
  constructor(detail: string) {
    super(`ARI unavailable: ${detail}`);
    this.name = 'AriUnavailableError';
  }
}

/**
 * The link to Asterisk. REST goes through ari-client (loaded once from
 * Asterisk's own API description); the event websocket is ours, because
 * ari-client gives up after ten retries and can re-open a socket after stop().
 * The websocket reconnects for as long as the service runs; 'connected' is
 * emitted after every (re)connect so the adapter can pick up calls whose events
 * it may have missed, 'event' for every ARI event.
 */
export class AriConnection extends EventEmitter {
  private client: Client | null = null;
  private socket: WebSocket | null = null;
  private closed = false;
  private wsUp = false;
  private connects = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  /** How long each REST request took, by operation. */
  readonly timings = new RequestTimings();
  private readonly plain: AriRest;
  /** A connection of its own for the heartbeat (see requestAside). */
  private readonly aside: AriRest;

  constructor(private readonly o: AriConnectionOptions) {
    super();
    useAriSockets(ARI_CLIENT_SOCKETS);
    this.plain = new AriRest(o.url, o.user, o.password, o.connections ?? ARI_SOCKETS);
    this.plain.onConnectionWait = (ms) => this.timings.record(CONNECTION_WAIT, ms);
    this.aside = new AriRest(o.url, o.user, o.password, 1);
  }

  get isConnected(): boolean {
    return this.wsUp;
  }

  /** Resolves once REST is loaded and the first websocket is up; retries until then. */
  async start(): Promise<void> {
    let delay = 250;
    for (let attempt = 1; !this.client; attempt++) {
      if (this.closed) throw new AriUnavailableError('closed during start');
      try {
        this.client = await withoutSwaggerNotice(() =>
          withDeadline(ari.connect(this.o.url, this.o.user, this.o.password), 10_000, 'ARI connect', unavailable('ARI connect', 10_000)),
        );
      } catch (err) {
        const level = attempt === 1 || attempt % 10 === 0 ? 'warn' : 'debug';
        this.o.log[level]({ attempt, err: (err as Error).message }, 'cannot reach ARI yet; retrying');
        await sleep(delay);
        delay = Math.min(delay * 2, this.o.maxBackoffMs ?? 3000);
      }
    }
    const up = new Promise<void>((resolve) => this.once('connected', () => resolve()));
    this.openSocket(250);
    await up;
  }

  /**
   * Runs one REST call with a deadline: a plain request (AriCall, the calls'
   * own requests) or an ari-client operation.
   */
  request<T>(what: string, call: AriCall | ((client: Client) => Promise<T>)): Promise<T> {
    return this.run(what, call, this.plain);
  }

  /**
   * A plain request on a connection of its own, not queued behind the calls'
   * requests: the heartbeat that tells the dialplan the application is there.
   * Behind a burst of calls it waited seconds for a connection (p99 3.1 s at
   * 20 calls a second), past the dialplan's APP_ALIVE_SECONDS, and a node
   * under load looked dead to its dialplan.
   */
  async requestAside(what: string, call: AriCall): Promise<void> {
    await this.run(what, call, this.aside);
  }

  private async run<T>(what: string, call: AriCall | ((client: Client) => Promise<T>), lane: AriRest): Promise<T> {
    const client = this.client;
    if (!client || this.closed) throw new AriUnavailableError(`not connected (${what})`);
    const ms = this.o.requestTimeoutMs ?? 10_000;
    const started = performance.now();
    try {
      if (typeof call !== 'function') return (await lane.send(call, ms)) as T;
      return await withDeadline(call(client), ms, what, unavailable(what, ms));
    } catch (err) {
      if (err instanceof AriTransportError) throw new AriUnavailableError(`${what}: ${err.message}`);
      throw err;
    } finally {
      this.timings.record(what, performance.now() - started);
    }
  }

  /**
   * A plain REST request with fetch, for what ari-client cannot carry (binary
   * bodies such as a stored recording's file). Path relative to /ari/.
   */
  async rest(method: 'GET' | 'DELETE' | 'POST', path: string): Promise<Response> {
    if (this.closed) throw new AriUnavailableError(`closed (${method} ${path})`);
    const auth = Buffer.from(`${this.o.user}:${this.o.password}`).toString('base64');
    try {
      return await fetch(`${this.o.url}/ari/${path}`, {
        method,
        headers: { authorization: `Basic ${auth}` },
        signal: AbortSignal.timeout(this.o.requestTimeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new AriUnavailableError(`${method} ${path}: ${(err as Error).message}`);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wsUp = false;
    this.plain.close();
    this.aside.close();
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.removeAllListeners();
      socket.on('error', () => {});
      // A clean close tells Asterisk the application left; terminate if that stalls.
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { socket.terminate(); resolve(); }, 1000);
        socket.once('close', () => { clearTimeout(timer); resolve(); });
        socket.close(1000, 'stopping');
      });
    }
  }

  private openSocket(nextDelay: number): void {
    if (this.closed) return;
    const base = this.o.url.replace(/^http/, 'ws');
    const query = new URLSearchParams({ app: this.o.app, api_key: `${this.o.user}:${this.o.password}` });
    const socket = new WebSocket(`${base}/ari/events?${query}`, { handshakeTimeout: 5000 });
    this.socket = socket;
    let alive = true;
    socket.on('open', () => {
      this.wsUp = true;
      const first = this.connects === 0;
      this.connects++;
      this.o.log.info({ reconnect: !first }, 'ARI websocket connected');
      // A dead TCP connection (Asterisk killed, network gone) shows up as a missed pong.
      this.pingTimer = setInterval(() => {
        if (!alive) {
          socket.terminate();
          return;
        }
        alive = false;
        socket.ping();
      }, 5000);
      this.emit('connected', { first });
    });
    socket.on('pong', () => {
      alive = true;
    });
    socket.on('message', (data) => {
      let event: AriEvent | null = null;
      try {
        event = asAriEvent(JSON.parse(data.toString()));
      } catch {
        // handled below
      }
      if (!event) {
        this.o.log.warn('ignoring an ARI message that is not an event');
        return;
      }
      if (event.type === 'ApplicationReplaced') {
        this.o.log.error({ app: this.o.app }, 'another process registered the same ARI application; calls now go there');
      }
      this.emit('event', event);
    });
    socket.on('error', (err) => {
      this.o.log.debug({ err: err.message }, 'ARI websocket error');
    });
    socket.on('close', () => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket) return;
      this.socket = null;
      const wasUp = this.wsUp;
      this.wsUp = false;
      if (this.closed) return;
      if (wasUp) {
        this.o.log.warn('ARI websocket lost; reconnecting');
        this.emit('disconnected');
      }
      const delay = wasUp ? 250 : nextDelay;
      this.reconnectTimer = setTimeout(() => this.openSocket(Math.min(delay * 2, this.o.maxBackoffMs ?? 3000)), delay);
    });
  }
}

/** A request that ran past its deadline: Asterisk is as good as unreachable for it. */
const unavailable = (what: string, ms: number) => () => new AriUnavailableError(`${what}: no answer within ${ms} ms`);

/**
 * ari-client's bundled swagger-client prints a deprecation notice through
 * console.log every time it loads Asterisk's API description; it says nothing
 * about our service, so it is dropped while connecting.
 */
async function withoutSwaggerNotice<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.log;
  console.log = (...args: unknown[]) => {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    if (typeof first === 'string' && first.includes('deprecated version of Swagger')) return;
    original(...args);
  };
  try {
    return await fn();
  } finally {
    console.log = original;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True for ARI errors that mean the channel, playback or bridge no longer exists. */
export function isGoneError(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /not found|not in stasis|does not exist|Channel not in/i.test(message);
}
