import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load-config.ts';
import { decideDial } from '../../../src/outbound/dial-rules.ts';
import { nextStep, type FinishEffects } from '../../../src/outbound/finish.ts';
import { JobRepository } from '../../../src/outbound/job-repository.ts';
import { OptOutList } from '../../../src/outbound/opt-outs.ts';
import { EMBEDDED_START_MS, useEmbeddedDatabase } from '../../support/embedded-db.ts';

const { calendar, outbound } = loadConfig({});
const TUESDAY_10 = new Date('2026-11-24T10:00:00+08:00');

/**
 * The default deployment (PGlite behind pglite-socket, one connection): the
 * queue's claim (FOR UPDATE SKIP LOCKED, inside a transaction) and an
 * attempt's end work there as on a server.
 */
describe('the outbound queue on the embedded database', () => {
  const embedded = useEmbeddedDatabase('hotline-outbound-pglite-', { migrated: true });

  it('claims by priority, honours the opt-out list, and ends an attempt with its answers', async () => {
    const jobs = new JobRepository(embedded.db.pool, calendar.timezone);
    const optOuts = new OptOutList(embedded.db.pool);
    const repair = await jobs.enqueue({ kind: 'repair-confirmation', number: '13900000001', dueAt: TUESDAY_10 }, 3);
    const emergency = await jobs.enqueue({ kind: 'emergency-callback', number: '13900000002', dueAt: TUESDAY_10 }, 3);
    // On the list before the job is queued: the check at dial time ends it.
    await optOuts.add('13900000003', 'callee', 'callee', null);
    const stopped = await jobs.enqueue({ kind: 'survey', number: '13900000003', dueAt: TUESDAY_10 }, 3);

    const { claimed, cancelled } = await jobs.claim(10, 60_000, TUESDAY_10, (job, facts) => decideDial(job, facts, outbound, calendar, TUESDAY_10));
    expect(claimed.map((c) => c.job.id)).toEqual([emergency!.id, repair!.id]);
    expect(cancelled.map((c) => c.job.id)).toEqual([stopped!.id]);
    // Claimed once: a second pass finds nothing due.
    expect((await jobs.claim(10, 60_000, TUESDAY_10, (job, facts) => decideDial(job, facts, outbound, calendar, TUESDAY_10))).claimed).toEqual([]);

    const confirmed: string[] = [];
    const effects: FinishEffects = {
      reopenTicket: async () => undefined,
      confirmed: async (_c, job) => void confirmed.push(job.id),
      optOut: async () => undefined,
      surveyed: async () => undefined,
      unreachable: async () => undefined,
    };
    const attempt = claimed[1]!.attempt;
    const done = await jobs.finish(attempt.id, 'answered', null, { confirm: 'solved', keyed: true }, TUESDAY_10, (c, j, a) =>
      nextStep(c, j, a, 'answered', effects, outbound, calendar, TUESDAY_10),
    );
    expect(done?.job).toMatchObject({ status: 'done', result: 'confirmed' });
    expect(done?.attempt).toMatchObject({ state: 'ended', outcome: 'answered', answers: { confirm: 'solved' } });
    expect(confirmed).toEqual([repair!.id]);
  }, EMBEDDED_START_MS);
});
