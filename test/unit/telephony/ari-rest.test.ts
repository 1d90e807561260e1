import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGoneError } from '../../../src/telephony/ari-connection.ts';
import { AriHttpError, AriRest, AriTransportError, ariCalls } from '../../../src/telephony/ari-rest.ts';

/** A stand-in for Asterisk's HTTP server: answers by path, remembers what it was sent and on which connection. */
let server: http.Server;
let url: string;
const seen: Array<{ method: string; url: string; auth: string | undefined; socket: number }> = [];
const sockets = new Map<object, number>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size + 1);
    seen.push({ method: req.method!, url: req.url!, auth: req.headers.authorization, socket: sockets.get(req.socket)! });
    if (req.url!.startsWith('/ari/channels/drop-reused') && seen.filter((s) => s.socket === sockets.get(req.socket)).length > 1) {
      req.socket.destroy(); // as Asterisk closing an idle kept-alive connection the moment it is reused
    } else if (req.url!.startsWith('/ari/channels/gone')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"message":"Channel not found"}');
    } else if (req.url!.startsWith('/ari/channels/busy')) {
      setTimeout(() => res.writeHead(204).end(), 150);
    } else if (req.url!.startsWith('/ari/channels/slow')) {
      // never answers: the client's deadline must end the wait
    } else if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":"42"}');
    } else {
      res.writeHead(204).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('plain ARI requests', () => {
  it('sends the path and query Asterisk expects, with Basic authorization, and parses the answer', async () => {
    const rest = new AriRest(url, 'hotline', 'secret', 4);
    seen.length = 0;
    await expect(rest.send(ariCalls.play('chan 1', 'sound:/p/a,sound:/p/b', 'pb-1'), 1000)).resolves.toBeUndefined();
    await expect(rest.send(ariCalls.getVar('chan1', 'HOTLINE_CALL_ID'), 1000)).resolves.toEqual({ value: '42' });
    await rest.send(ariCalls.record('chan1', { name: 'vm-1', beep: true, terminateOn: '#', maxSilenceSeconds: undefined }), 1000);
    rest.close();
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST /ari/channels/chan%201/play/pb-1?media=sound%3A%2Fp%2Fa%2Csound%3A%2Fp%2Fb',
      'GET /ari/channels/chan1/variable?variable=HOTLINE_CALL_ID',
      'POST /ari/channels/chan1/record?name=vm-1&beep=true&terminateOn=%23',
    ]);
    expect(seen[0]!.auth).toBe(`Basic ${Buffer.from('hotline:secret').toString('base64')}`);
  });

  it('reuses one kept-alive connection for requests that follow each other', async () => {
    const rest = new AriRest(url, 'u', 'p', 4);
    seen.length = 0;
    for (let i = 0; i < 5; i++) await rest.send(ariCalls.setVar('chan1', 'X', String(i)), 1000);
    rest.close();
    expect(new Set(seen.map((s) => s.socket)).size).toBe(1);
  });

  it('a kept-alive connection closed as it is reused costs nothing: the request goes again on a new one', async () => {
    const rest = new AriRest(url, 'u', 'p', 1);
    seen.length = 0;
    await rest.send(ariCalls.setVar('drop-reused', 'X', '1'), 1000);
    await expect(rest.send(ariCalls.setVar('drop-reused', 'X', '2'), 1000)).resolves.toBeUndefined();
    rest.close();
    expect(seen.map((s) => s.socket)).toEqual([seen[0]!.socket, seen[0]!.socket, seen[0]!.socket + 1]);
  });

  it('the deadline counts the wait for a free connection: a request queued behind a stuck one does not wait for it', async () => {
    const rest = new AriRest(url, 'u', 'p', 1);
    const stuck = rest.send(ariCalls.getChannel('slow-1'), 5000).catch((e: unknown) => e);
    const queued = rest.send(ariCalls.getChannel('c'), 200).catch((e: unknown) => e);
    const first = await Promise.race([queued, stuck.then(() => 'the stuck request ended first')]);
    expect(first).toBeInstanceOf(AriTransportError);
    expect((first as Error).message).toMatch(/no answer within 200 ms/);
    rest.close();
    await stuck;
  });

  it('tells how long each request waited for a free connection', async () => {
    const rest = new AriRest(url, 'u', 'p', 1);
    const waits: number[] = [];
    rest.onConnectionWait = (ms) => waits.push(ms);
    await Promise.all([rest.send(ariCalls.answer('busy-1'), 1000), rest.send(ariCalls.answer('busy-2'), 1000)]);
    rest.close();
    // The second waited for the first's answer (150 ms); the first hardly at all.
    expect(waits).toHaveLength(2);
    expect(Math.max(...waits)).toBeGreaterThanOrEqual(140);
    expect(Math.min(...waits)).toBeLessThan(Math.max(...waits) - 100);
  });

  it('an error answer carries Asterisk\'s message, which tells a vanished channel apart', async () => {
    const rest = new AriRest(url, 'u', 'p', 4);
    const err = await rest.send(ariCalls.answer('gone'), 1000).catch((e: unknown) => e);
    rest.close();
    expect(err).toBeInstanceOf(AriHttpError);
    expect((err as AriHttpError).status).toBe(404);
    expect(isGoneError(err)).toBe(true);
  });

  it('a request without an answer ends at its deadline; an unreachable Asterisk fails at once', async () => {
    const rest = new AriRest(url, 'u', 'p', 4);
    await expect(rest.send(ariCalls.getChannel('slow'), 200)).rejects.toBeInstanceOf(AriTransportError);
    rest.close();
    const nobody = new AriRest('http://127.0.0.1:9', 'u', 'p', 4);
    await expect(nobody.send(ariCalls.getChannel('c'), 1000)).rejects.toThrow(/ECONNREFUSED/);
    nobody.close();
  });
});
