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
 *
 * Jobs still open at the end are listed; with DEBUG_BENCH=1 also their
 * channel in Asterisk and the application's log lines about them.
 */
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
  // The application migrates the database after it starts: the queue's tables appear then.
  while ((await db.query(`select to_regclass('public.callback_jobs') as t`)).rows[0].t === null) await sleep(200);
  let offset = await clockOffset(stack);
  /** The service's clock restarts from the instant given: before the kill, attempts are on the first offset. */
  let before: { untilServiceMs: number; offset: number } | null = null;
  // Numbers of this run only (the runs share a database): 139, five digits of the time, the job's index.
  const batch = String(Date.now() % 100_000).padStart(5, '0');
  const numbers = Array.from({ length: jobs }, (_, i) => `139${batch}${String(i).padStart(4, '0')}`);
  await db.query(
    `insert into callback_jobs (id, kind, priority, number, due_at, max_attempts)
     select gen_random_uuid(), 'repair-confirmation', 30, n, $2, 3 from unnest($1::text[]) as n`,
    [numbers, new Date(Date.now() + offset)],
  );
  const started = Date.now();
  await hotline.waitForLog((l) => l.msg === 'placing an outbound call', 60_000).catch(() => undefined);
  const count = async (sql: string) => Number((await db.query(sql, [numbers])).rows[0].n);
  if (crash) {
    while ((await count(`select count(*)::int as n from callback_attempts where number = any($1)`)) < jobs / 2) await sleep(100);
    await hotline.kill();
    before = { untilServiceMs: Date.now() + offset, offset };
    // The service's clock goes on from where it was (HOTLINE_NOW would set it back to the morning).
    hotline = await startHotline(stack.env, { now: new Date(Date.now() + offset).toISOString() });
    offset = await clockOffset(stack);
  }
  const deadline = Date.now() + Math.max(120_000, (jobs / pace) * 4000);
  while ((await count(`select count(*)::int as n from callback_jobs where number = any($1) and status not in ('pending', 'dialing')`)) < jobs && Date.now() < deadline) {
    // Interrupted attempts are retried 2 h later on the service's clock: in this run, that is now.
    if (crash) {
      await db.query(`update callback_jobs set due_at = $2 where number = any($1) and status = 'pending' and due_at > $2::timestamptz + interval '1 minute'`, [
        numbers, new Date(Date.now() + offset),
      ]);
    }
    await sleep(500);
  }
  const { rows: left } = await db.query(
    `select j.status, j.attempts, j.due_at, array_agg(a.outcome order by a.attempt) as outcomes, array_agg(a.id) as ids from callback_jobs j
       left join callback_attempts a on a.job_id = j.id where j.number = any($1) and j.status in ('pending', 'dialing') group by j.id`,
    [numbers],
  );
  for (const j of left) {
    process.stderr.write(`not ended: ${j.status}, ${j.attempts} attempts (${j.outcomes.join(', ')}), due ${j.due_at.toISOString()}\n`);
    if (process.env.DEBUG_BENCH) {
      const auth = `Basic ${Buffer.from(`${stack.env.ariUser}:${stack.env.ariPassword}`).toString('base64')}`;
      for (const id of j.ids) {
        const res = await fetch(`${stack.env.ariUrl}/ari/channels/${id}`, { headers: { authorization: auth } });
        process.stderr.write(`  channel ${id}: ${res.status} ${await res.text()}\n`);
      }
    }
    if (process.env.DEBUG_BENCH) for (const l of hotline.lines.filter((l) => j.ids.some((id: string) => JSON.stringify(l).includes(id)))) process.stderr.write(`  ${JSON.stringify(l)}\n`);
  }
  for (const e of hotline.errors()) process.stderr.write(`application error: ${JSON.stringify(e)}\n`);
  await hotline.stop();
  await callees.stop();
  const result = await callees.done;

  const { rows: attempts } = await db.query(`select a.number, a.started_at, a.outcome, a.attempt from callback_attempts a where a.number = any($1)`, [numbers]);
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
    const wall = (d: Date) => d.getTime() - (before && d.getTime() < before.untilServiceMs ? before.offset : offset);
    const first = made.map(wall).sort((a, b) => a - b)[0];
    if (first !== undefined && seen[0] !== undefined) latencies.push(seen[0] - first);
  }
  const { rows: status } = await db.query(`select status, result, count(*)::int as n from callback_jobs where number = any($1) group by 1, 2 order by 3 desc`, [numbers]);
  const done = status.filter((s) => s.status === 'done').reduce((a, s) => a + s.n, 0);
  const lost = jobs - status.reduce((a, s) => a + s.n, 0) + status.filter((s) => s.status === 'dialing').reduce((a, s) => a + s.n, 0);
  // The pace of first attempts (retries after the crash come when they are due, not at the pace).
  const starts = attempts.filter((a) => a.attempt === 1).map((a) => a.started_at.getTime()).sort((a, b) => a - b);
  // Sustained: between the 10th and the 90th percentile of the starts (not the first burst of tokens, not the tail).
  const lo = Math.floor(starts.length * 0.1);
  const hi = Math.max(lo, Math.ceil(starts.length * 0.9) - 1);
  const rate = hi > lo ? (hi - lo) / ((starts[hi]! - starts[lo]!) / 1000) : 0;
  const f = (v: number | null) => (v === null ? '-' : `${v.toFixed(0)} ms`);
  process.stdout.write(
    [
      '',
      `outbound benchmark ${title}: ${jobs} jobs, pace ${pace}/s, ${new Date().toISOString()} (wall ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      `jobs by status / result           ${status.map((s) => `${s.status}/${s.result ?? '-'} ${s.n}`).join(', ')}`,
      `jobs done                         ${done} of ${jobs}`,
      `attempts                          ${attempts.length} (${attempts.filter((a) => a.outcome === 'interrupted').length} interrupted)`,
      `originations a second, sustained  ${rate.toFixed(1)} (configured ${pace})`,
      `claim → INVITE at callee p50      ${f(percentile(latencies, 50))}`,
      `claim → INVITE at callee p99      ${f(percentile(latencies, 99))}`,
      `INVITEs beyond attempts (dupes)   ${duplicates}`,
      `jobs lost (neither ended nor queued) ${lost}`,
      `application errors                ${hotline.errors().length}`,
      '',
    ].join('\n'),
  );
}

/** The service's clock minus the wall clock, ms (HOTLINE_NOW shifts it): from the quickest of 20 requests. */
async function clockOffset(stack: Stack): Promise<number> {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 20; i++) {
    const before = Date.now();
    const res = await fetch(`${stack.env.httpUrl}/api/routing`, { headers: { authorization: `Bearer ${stack.env.adminToken}` } });
    const { now } = (await res.json()) as { now: string };
    const after = Date.now();
    if (after - before < best.rtt) best = { rtt: after - before, offset: Date.parse(now) - (before + after) / 2 };
  }
  return best.offset;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
