import http from 'node:http';

/**
 * Asks Asterisk for a global variable every `everyMs` on a connection of its
 * own, from the benchmark's process, and records how long each answer took.
 * The application measures its requests on its own event loop; this figure
 * is Asterisk's HTTP server alone, so the two can be told apart under load.
 */
export function probeAri(o: { url: string; user: string; password: string; everyMs?: number }): { stop(): number[] } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const auth = `Basic ${Buffer.from(`${o.user}:${o.password}`).toString('base64')}`;
  const target = new URL('/ari/asterisk/variable?variable=BENCH_PROBE', o.url);
  const samples: number[] = [];
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const once = () => {
    const started = performance.now();
    const req = http.get(target, { agent, headers: { authorization: auth }, timeout: 30_000 }, (res) => {
      res.resume();
      res.on('end', () => {
        samples.push(performance.now() - started);
        if (!stopped) timer = setTimeout(once, o.everyMs ?? 100);
      });
    });
    req.on('error', () => {
      if (!stopped) timer = setTimeout(once, o.everyMs ?? 100);
    });
  };
  once();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      agent.destroy();
      return samples;
    },
  };
}
