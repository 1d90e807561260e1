import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { uas } from '../../tools/sipp/index.ts';
import { useStack } from './support/environment.ts';
import { startHotline, type HotlineProcess } from './support/hotline-process.ts';
import { OutboundProbe } from './support/outbound.ts';
import { Phones, uniqueCaller } from './support/phones.ts';
import { eventually, promptMs } from './support/probes.ts';

/**
 * Outbound calls on the real Asterisk, with SIPp callees on the trunk and the
 * queue in PostgreSQL (Tuesday 10:00 local: in the calling window): a repair
 * ticket set to resolved leads to a call, 1 closes the ticket and 2 reopens
 * it; a survey keeps the score and the spoken comment; a busy line is tried
 * again 2 h later; 9 stops every call to the number, even one already queued.
 */
const env = await useStack();
const MORNING = '2026-11-24T10:00:00+08:00';
const phones = new Phones(env);
const probe = new OutboundProbe(env);
let hotline: HotlineProcess;
const ms = (id: string) => promptMs(env, id);
/** When a callee's answer lands: after the opening and the emergency sentence, into the question. */
const intoQuestion = () => ms('outbound-opening') + ms('outbound-emergency') + 1500;

beforeAll(async () => {
  hotline = await startHotline(env, { now: MORNING });
});

afterEach(async (ctx) => {
  await phones.stopAll();
  if (process.env.DEBUG_OUTBOUND && ctx.task.result?.state === 'fail') console.log(hotline.lines.filter((l: any) => l.level >= 30 && /outbound|survey|comment|voicemail|job|attempt|error/i.test(JSON.stringify(l))).map((l) => JSON.stringify(l)).slice(-60).join('\n'));
});

afterAll(async () => {
  await hotline?.stop();
  await probe.close();
});

describe('repair confirmation', () => {
  it('a repair ticket set to resolved leads to a call; the callee presses 1: confirmed, and the ticket closes', async () => {
    const number = uniqueCaller('1370000');
    const ticket = await probe.ticket('repair', number, '2026-11-23T02:00:00.000Z');
    const callee = await phones.phone(env.ports.trunk, uas().ring(500).answer().pause(intoQuestion()).dtmf('1').waitForHangup(60_000));
    await probe.api('PATCH', `/api/tickets/${ticket.reference}`, { status: 'resolved', note: 'meter valve replaced' });

    const job = await probe.job(number, (j) => j.status === 'done', 'the confirmation to end');
    expect(job).toMatchObject({ kind: 'repair-confirmation', result: 'confirmed', attempts: 1, ticketId: ticket.id });
    expect(job.attemptList[0]).toMatchObject({ outcome: 'answered', answers: { confirm: 'solved' } });
    const result = await callee.done;
    expect(result.ok, result.errors).toBe(true);
    expect(result.events.filter((e) => e.name === 'invite')).toHaveLength(1);
    const after = await probe.api('GET', `/api/tickets/${ticket.reference}`);
    expect(after.ticket.status).toBe('closed');
    expect(after.history.find((h: any) => h.action === 'status' && h.to === 'closed')).toMatchObject({ actor: 'hotline', from: 'resolved' });
    expect(after.callbacks.map((c: any) => [c.kind, c.result])).toEqual(expect.arrayContaining([['repair-confirmation', 'confirmed']]));
    expect(hotline.errors()).toEqual([]);
  });

  it('the callee presses 2: the ticket is reopened, with its history entry', async () => {
    const number = uniqueCaller('1370001');
    const ticket = await probe.ticket('repair', number, '2026-11-23T02:00:00.000Z');
    const callee = await phones.phone(env.ports.trunk, uas().ring(500).answer().pause(intoQuestion()).dtmf('2').waitForHangup(60_000));
    await probe.api('PATCH', `/api/tickets/${ticket.reference}`, { status: 'resolved' });

    const job = await probe.job(number, (j) => j.status === 'done', 'the confirmation to end');
    expect(job).toMatchObject({ result: 'not-solved' });
    expect((await callee.done).ok).toBe(true);
    const after = await probe.api('GET', `/api/tickets/${ticket.reference}`);
    expect(after.ticket.status).toBe('reopened');
    const reopened = after.history.find((h: any) => h.action === 'status' && h.to === 'reopened');
    expect(reopened).toMatchObject({ actor: 'hotline', from: 'resolved' });
    expect(after.history.find((h: any) => h.action === 'note')?.note).toMatch(/not solved/);
  });
});

describe('survey', () => {
  it('a closed complaint is surveyed; the callee keys 4 and speaks a comment: the score and the recording are stored with the ticket', async () => {
    const number = uniqueCaller('1370002');
    const ticket = await probe.ticket('complaint', number, '2026-11-23T02:00:00.000Z');
    const speakAt = ms('survey-comment-intro') + 2000;
    const callee = await phones.phone(env.ports.trunk, uas().ring(500).answer().pause(intoQuestion()).dtmf('4').pause(speakAt).speak(4000).dtmf('#').waitForHangup(60_000));
    // Closing the ticket queues its survey (this stack surveys at once; the default is a day later).
    await probe.api('PATCH', `/api/tickets/${ticket.reference}`, { status: 'resolved' });
    await probe.api('PATCH', `/api/tickets/${ticket.reference}`, { status: 'closed' });

    const job = await probe.job(number, (j) => j.status === 'done', 'the survey to end');
    expect(job).toMatchObject({ kind: 'survey', result: 'surveyed' });
    expect((await callee.done).ok).toBe(true);
    const survey = await eventually(async () => {
      const t = await probe.api('GET', `/api/tickets/${ticket.reference}`);
      return t.surveys.find((s: any) => s.comment?.state === 'stored');
    }, 'the survey with its stored comment', 30_000);
    expect(survey).toMatchObject({ jobId: job.id, score: 4, satisfied: true });
    expect(survey.comment.ms).toBeGreaterThan(2000);
    expect(survey.comment.speechMs).toBeGreaterThan(1000);
  });
});

describe('retries and opt-out', () => {
  it('a busy line: the attempt is recorded and the retry is due 2 h later', async () => {
    const number = uniqueCaller('1370003');
    const callee = await phones.phone(env.ports.trunk, uas().reject(486));
    const created = (await probe.api('POST', '/api/callbacks', { kind: 'missed-call', number, category: 'repair' })).job;
    const job = await probe.job(number, (j) => j.attempts === 1 && j.status === 'pending', 'the first attempt to end');
    expect(job.attemptList[0]).toMatchObject({ state: 'ended', outcome: 'busy' });
    const endedAt = Date.parse(job.attemptList[0].endedAt);
    expect(Date.parse(job.dueAt) - endedAt).toBeGreaterThanOrEqual(2 * 3600_000 - 1000);
    expect(Date.parse(job.dueAt) - endedAt).toBeLessThan(2 * 3600_000 + 5000);
    expect(job.id).toBe(created.id);
    expect((await callee.done).events.filter((e) => e.name === 'invite')).toHaveLength(1);
  });

  it('9 stops every call to the number: the job ends opted out, and one already queued is never dialled', async () => {
    const number = uniqueCaller('1370004');
    const callee = await phones.phone(env.ports.trunk, uas().ring(500).answer().pause(intoQuestion()).dtmf('9').waitForHangup(60_000));
    await probe.api('POST', '/api/callbacks', { kind: 'survey', number });
    // The second is due a little later, so that the first is dialled alone.
    await probe.api('POST', '/api/callbacks', { kind: 'missed-call', number, category: 'billing', dueAt: new Date(Date.parse(MORNING) + 60 * 60_000).toISOString() });

    await probe.job(number, (j) => j.status === 'opted-out' && j.kind === 'survey', 'the survey to end opted out');
    expect((await callee.done).events.filter((e) => e.name === 'invite')).toHaveLength(1);
    const jobs = await probe.jobsOf(number);
    expect(jobs.map((j: any) => [j.kind, j.status, j.attempts])).toEqual(
      expect.arrayContaining([['survey', 'opted-out', 1], ['missed-call', 'opted-out', 0]]),
    );
    expect((await probe.api('GET', `/api/opt-outs/${number}`)).optOut).toMatchObject({ source: 'callee' });
  });
});
