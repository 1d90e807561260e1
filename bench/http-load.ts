/**
 * Timed GET requests for the benchmarks, sent from a worker thread: the
 * client's event loop is not the server's, so reading a response never
 * queues behind the server's work (nor the server's behind the client's),
 * as with a browser. Keep-alive connections, as a console keeps them.
 *
 *   const ms = await httpLoad({ base, token, paths: ['/api/tickets?limit=200'], requests: 500, concurrency: 8 });
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface LoadJob {
  /** http://127.0.0.1:port */
  base: string;
  token: string;
  /** Requested in turn (request i asks for paths[i % length]). */
  paths: readonly string[];
  requests: number;
  /** Clients at once, each sending its next request when its last one is answered. */
  concurrency: number;
}

/** The time of each request, ms, from sending it until its body was read in full. */
export function httpLoad(job: LoadJob): Promise<number[]> {
  return new Promise((resolve, reject) => {
    // The worker runs this TypeScript file too, through tsx (its loader hooks do not reach worker threads by themselves).
    const start = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => tsx.tsImport(${JSON.stringify(fileURLToPath(import.meta.url))}, ${JSON.stringify(import.meta.url)}))`;
    const worker = new Worker(start, { eval: true, workerData: { httpLoad: job } });
    worker.once('message', (m: { ms?: number[]; error?: string }) => (m.error ? reject(new Error(m.error)) : resolve(m.ms!)));
    worker.once('error', reject);
    worker.once('exit', (code) => code !== 0 && reject(new Error(`the load worker ended with ${code}`)));
  });
}

async function run(job: LoadJob): Promise<number[]> {
  const ms: number[] = [];
  let next = 0;
  const one = async (path: string) => {
    const t0 = performance.now();
    const res = await fetch(`${job.base}${path}`, { headers: { authorization: `Bearer ${job.token}` } });
    const body = await res.arrayBuffer();
    ms.push(performance.now() - t0);
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${Buffer.from(body).toString().slice(0, 300)}`);
  };
  await Promise.all(Array.from({ length: job.concurrency }, async () => {
    while (next < job.requests) await one(job.paths[next++ % job.paths.length]!);
  }));
  return ms;
}

if (!isMainThread && workerData?.httpLoad) {
  run(workerData.httpLoad as LoadJob).then(
    (ms) => parentPort!.postMessage({ ms }),
    (err: Error) => parentPort!.postMessage({ error: err.message }),
  );
}
