/**
 * `npm run bench:outbound`: N callback jobs (default 500) against SIPp callees
 * on 127.0.0.1 that answer and key a result at once (a repair confirmation:
 * 1, solved). Prints jobs done, originations a second achieved against the
 * configured pace, the time from claim (the attempt row) to the INVITE at the
 * callee (p50/p99), and INVITEs per attempt counted at the callees (duplicates
 * must be 0); then the same with the application SIGKILLed and restarted in
 * the middle (duplicates and lost jobs, both must be 0).
 *
 *   npm run bench:outbound -- [--jobs 500] [--pace 20] [--no-crash]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { runSipp, uas, type SippProcess } from '../tools/sipp/index.ts';
import { startHotline, type HotlineProcess } from '../test/e2e/support/hotline-process.ts';
import { startStack, type Stack } from '../test/support/stack.ts';
import { percentile } from './asterisk-log-timing.ts';

const MORNING = '2026-11-24T10:00:00+08:00';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { jobs: { type: 'string', default: '500' }, pace: { type: 'string', default: '20' }, 'no-crash': { type: 'boolean', default: false } } });
  const o = { jobs: Number(values.jobs), pace: Number(values.pace), crash: !values['no-crash'] };
  process.stderr.write('starting a stack (PostgreSQL, Asterisk) on 127.0.0.1 …\n');
  const stack = await startStack({
    configure: (raw) => {
      raw.logLevel = 'info';
      raw.asterisk.rtpPortEnd = raw.asterisk.rtpPortStart + 1999;
      raw.asterisk.maxCalls = 1000;
      raw.outbound = { ...raw.outbound, callsPerSecond: o.pace, maxConcurrent: 400, perNumberPerDay: 5 };
    },
  });
  const db = new pg.Pool({ connectionString: stack.env.databaseUrl, max: 2 });
  try {
    await run('without a crash', stack, db, o.jobs, o.pace, false);
    if (o.crash) await run('with the application SIGKILLed and restarted in the middle', stack, db, o.jobs, o.pace, true);
  } finally {
    await db.end();
    await stack.stop();
  }
}

async function run(title: string, stack: Stack, db: pg.Pool, jobs: number, pace: number, crash: boolean): Promise<void> {
  let hotline: HotlineProcess = await startHotline(stack.env, { now: MORNING });
  // The callees: one SIPp on the trunk answering every call, keying 1 at once and waiting for the goodbye.
  const callees: SippProcess = runSipp({
    scenario: uas().logCalled().ring(100).answer().pause(300).dtmf('1').waitForHangup(30_000),
    localPort: stack.env.ports.trunk,
    calls: jobs * 2,
    maxConcurrent: 1000,
    traceMessages: false,
    timeoutMs: 30 * 60_000,
  });
  await callees.ready;
  const offset = await clockOffset(stack);
  const batch = randomUUID().slice(0, 4);
  const numbers = Array.from({ length: jobs }, (_, i) => `139${batch.replace(/\D/g, '0').padEnd(4, '0')}${String(i).padStart(4, '0')}`);
  await db.query(
    `insert into callback_jobs (id, kind, priority, number, due_at, max_attempts)
     select gen_random_uuid(), 'repair-confirmation', 30, n, $2, 3 from unnest($1::text[]) as n`,
    [numbers, new Date(Date.now() + offset)],
  );
  const started = Date.now();
  await hotline.waitForLog((l) => l.msg === 'placing an outbound call', 60_000).catch(() => undefined);
  const count = async (sql: string) => Number((await db.query(sql, [numbers])).rows[0].n);
  if (crash) {
    while ((await count(`select count(*) from callback_attempts where number = any($1)`)) < jobs / 2) await sleep(100);
    await hotline.kill();
    hotline = await startHotline(stack.env, { now: MORNING });
  }
  const deadline = Date.now() + Math.max(120_000, (jobs / pace) * 4000);
  while ((await count(`select count(*) from callback_jobs where number = any($1) and status not in ('pending', 'dialing')`)) < jobs && Date.now() < deadline) {
    // Interrupted attempts are retried 2 h later on the service's clock: in this run, that is now.
    if (crash) await db.query(`update callback_jobs set due_at = now() - interval '1 day' where number = any($1) and status = 'pending' and attempts > 0`, [numbers]);
    await sleep(500);
  }
  await hotline.stop();
  await callees.stop();
  const result = await callees.done;

  const { rows: attempts } = await db.query(`select a.number, a.started_at, a.outcome from callback_attempts a where a.number = any($1)`, [numbers]);
  const invites = new Map<string, number[]>();
  for (const e of result.events) if (e.name === 'invite-to') invites.set(e.detail, [...(invites.get(e.detail) ?? []), e.atMs]);
  const attemptsOf = new Map<string, Date[]>();
  for (const a of attempts) attemptsOf.set(a.number, [...(attemptsOf.get(a.number) ?? []), a.started_at]);
  let duplicates = 0;
  const latencies: number[] = [];
  for (const n of numbers) {
    const seen = invites.get(n) ?? [];
    const made = attemptsOf.get(n) ?? [];
    duplicates += Math.max(0, seen.length - made.length);
    const first = made.map((d) => d.getTime() - offset).sort((a, b) => a - b)[0];
    if (first !== undefined && seen[0] !== undefined) latencies.push(seen[0] - first);
  }
  const { rows: status } = await db.query(`select status, result, count(*)::int as n from callback_jobs where number = any($1) group by 1, 2 order by 3 desc`, [numbers]);
  const done = status.filter((s) => s.status === 'done').reduce((a, s) => a + s.n, 0);
  const lost = jobs - status.reduce((a, s) => a + s.n, 0) + status.filter((s) => s.status === 'dialing').reduce((a, s) => a + s.n, 0);
  const starts = attempts.map((a) => a.started_at.getTime()).sort((a, b) => a - b);
  const rate = starts.length > 1 ? (starts.length - 1) / ((starts.at(-1)! - starts[0]!) / 1000) : 0;
  const f = (v: number | null) => (v === null ? '-' : `${v.toFixed(0)} ms`);
  process.stdout.write(
    [
      '',
      `outbound benchmark ${title}: ${jobs} jobs, pace ${pace}/s, ${new Date().toISOString()} (wall ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `jobs by status / result           ${status.map((s) => `${s.status}/${s.result ?? '-'} ${s.n}`).join(', ')}`,
      `jobs done                         ${done} of ${jobs}`,
      `attempts                          ${attempts.length} (${attempts.filter((a) => a.outcome === 'interrupted').length} interrupted)`,
      `originations a second             ${rate.toFixed(1)} (configured ${pace})`,
      `claim → INVITE at callee p50      ${f(percentile(latencies, 50))}`,
      `claim → INVITE at callee p99      ${f(percentile(latencies, 99))}`,
      `INVITEs beyond attempts (dupes)   ${duplicates}`,
      `jobs lost (neither ended nor queued) ${lost}`,
      `application errors                ${hotline.errors().length}`,
      '',
    ].join('\n'),
  );
}

/** The service's clock minus the wall clock, ms (HOTLINE_NOW shifts it). */
async function clockOffset(stack: Stack): Promise<number> {
  const before = Date.now();
  const res = await fetch(`${stack.env.httpUrl}/api/routing`, { headers: { authorization: `Bearer ${stack.env.adminToken}` } });
  const { now } = (await res.json()) as { now: string };
  return Date.parse(now) - (before + Date.now()) / 2;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
