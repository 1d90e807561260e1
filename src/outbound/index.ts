import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { withRetry } from '../db/retry.ts';
import type { CallRecord } from '../domain/call-record.ts';
import type { Principal } from '../domain/staff.ts';
import type { Feature, ServiceBase } from '../feature.ts';
import { bindKinds } from '../ivr/node-kind.ts';
import { maskNumber } from '../logging/mask.ts';
import { ticketEvent, type Notify } from '../notify/index.ts';
import type { NodeRegistry } from '../nodes/index.ts';
import type { RecordingStore } from '../recordings/recording-store.ts';
import type { Tickets } from '../tickets/index.ts';
import type { Ticket } from '../tickets/ticket.ts';
import { VoicemailJournal } from '../voicemail/journal.ts';
import { VoicemailKeeper } from '../voicemail/voicemail-keeper.ts';
import { CommentKeeper } from './comment-keeper.ts';
import { Dialer } from './dialer.ts';
import type { FinishEffects } from './finish.ts';
import { JobRepository } from './job-repository.ts';
import type { Queryable } from '../db/transaction.ts';
import { JobSpeech } from './job-speech.ts';
import { JOB_KINDS, type Job, type NewJob } from './job.ts';
import { answerNode } from './nodes/answer-node.ts';
import { jobSayNode } from './nodes/job-say-node.ts';
import { surveyCommentNode } from './nodes/survey-comment-node.ts';
import { OptOutList } from './opt-outs.ts';
import { flowName, OutboundCalls } from './outbound-calls.ts';
import { callbackRoutes } from './routes.ts';
import { AttemptSchema } from './schemas.ts';
import { SurveyRepository, type CommentDraft, type SurveyResponse } from './survey-repository.ts';
import { missedCall, silentVoicemail, ticketCallbacks } from './triggers.ts';

/** The node kinds of this feature: each kind's services are bound in createOutbound. */
export const OUTBOUND_NODE_KINDS = [answerNode, jobSayNode, surveyCommentNode] as const;

/** The default flow of each kind of job. */
const FLOW_FILES: Record<Job['kind'], string> = {
  'emergency-callback': 'flows/outbound-emergency.yaml',
  'repair-confirmation': 'flows/outbound-repair.yaml',
  survey: 'flows/outbound-survey.yaml',
  'missed-call': 'flows/outbound-missed.yaml',
};

/** Who the hotline is when it changes a ticket on a callback's result. */
const HOTLINE: Principal = { kind: 'service', username: 'hotline', role: 'admin' };

export interface OutboundUses {
  tickets: Tickets;
  notify: Notify;
  recordings: RecordingStore;
  /** The nodes sharing the database: a gone node's unfinished survey comments are adopted. */
  nodes: NodeRegistry;
  /** A callback of an emergency call was answered: the call record it belongs to learns of it. */
  onAnswered?(job: Job, callRecordId: string): void;
  /** A job reached an end (done, unreachable, opted out). */
  onJobEnded?(job: Job): void;
}

export interface Outbound extends Feature {
  /**
   * Queues a job for a trigger that cannot wait or fail (an abandoned
   * emergency call, a missed call): in the background, tried again while the
   * database is away, logged as an error only if it never could be.
   */
  queue(job: NewJob): void;
  /** Every ended call: a caller who chose a topic and left unanswered is called back. */
  callEnded(record: CallRecord): void;
  /** Every completed voicemail: one with nothing said is called back. */
  voicemailCompleted(ticket: Ticket): void;
  calls: OutboundCalls;
}

/**
 * Outbound calls (PRODUCT "Outbound calls"): a durable queue in the database,
 * the dialer that places its calls under the calling windows, caps and
 * opt-outs, the flows of each kind (repair confirmation, survey, missed call,
 * the callback of an abandoned emergency call), and the staff API.
 */
export function createOutbound(base: Pick<ServiceBase, 'config' | 'log' | 'clock' | 'db' | 'telephony' | 'prompts' | 'flows' | 'runner'>, uses: OutboundUses): Outbound {
  const { config, db } = base;
  const settings = config.outbound;
  const log = base.log.child({ component: 'outbound' });
  const jobs = new JobRepository(db.pool, config.calendar.timezone, config.node.id);
  const optOuts = new OptOutList(db.pool);
  const surveys = new SurveyRepository(db.pool);
  const satisfied = (score: number) => settings.satisfiedScores.includes(score);
  const { service: tickets } = uses.tickets;

  const effects: FinishEffects = {
    reopenTicket: async (c, job) => {
      if (!job.ticketId) return;
      const reason = 'the customer said on the repair confirmation call that the problem is not solved';
      const t = await tickets.changeWithin(c, job.ticketId, { status: 'reopened', note: reason }, HOTLINE);
      await uses.notify.notify({ event: 'ticket.reopened', ticket: ticketEvent(t), reason, subjectId: job.id }, c);
    },
    confirmed: async (c, job) => {
      if (!job.ticketId) return;
      const t = await tickets.repository.lock(c, job.ticketId);
      if (t?.status === 'resolved') await tickets.changeWithin(c, job.ticketId, { status: 'closed', note: 'the customer confirmed on the callback that the problem is solved' }, HOTLINE);
    },
    optOut: (c, job) => optOuts.add(job.number, 'callee', 'callee', `asked on a ${job.kind} call`, c),
    surveyed: (c, job, answers) => surveys.saveScore(c, job, answers.score!, satisfied(answers.score!)),
    unreachable: async (c, job) => {
      if (job.ticketId) await tickets.note(c, job.ticketId, 'hotline', 'callback-unreachable', { kind: job.kind, attempts: job.attempts });
    },
  };
  const calls = new OutboundCalls({
    telephony: base.telephony,
    runner: base.runner,
    flows: base.flows,
    store: jobs,
    config: settings,
    calendar: config.calendar,
    trunk: config.trunk,
    languages: config.languages.enabled,
    effects,
    clock: base.clock,
    owners: async () => [...new Set([config.node.id, '', ...(await uses.nodes.gone())])],
    ...(uses.onAnswered ? { onAnswered: uses.onAnswered } : {}),
    ...(uses.onJobEnded ? { onJobEnded: uses.onJobEnded } : {}),
    log,
  });
  const dialer = new Dialer({ store: jobs, calls, config: settings, calendar: config.calendar, track: (w) => base.runner.track(w), log, now: () => base.clock.now() });
  const commentKeeper = new VoicemailKeeper<CommentDraft, SurveyResponse>({
    journal: new VoicemailJournal<CommentDraft>(path.join(config.dataDir, 'survey-comment-journal')),
    tickets: surveys.comments(() => db.whenMigrated()),
    archive: base.telephony.recordings,
    store: uses.recordings,
    log: log.child({ part: 'survey comments' }),
    maxRecordingSeconds: 300,
    reconcileEveryMs: config.voicemail.reconcileSeconds * 1000,
    nodeId: config.node.id,
    goneNodes: () => uses.nodes.gone(),
  });
  const speech = new JobSpeech(calls, base.prompts, config.calendar, async (id) => {
    const t = await uses.tickets.repository.get(id);
    return t ? new Date(t.updatedAt) : null;
  }, log);

  const enqueue = async (job: NewJob, client?: Queryable): Promise<Job | null> => {
    const created = await jobs.enqueue({ dueAt: base.clock.now(), ...job }, settings.kinds[job.kind].attempts, client);
    if (created) log.info({ job: created.id, kind: created.kind, to: maskNumber(created.number), dueAt: created.dueAt }, 'callback queued');
    // A job written in a caller's transaction is found once it commits: look a moment later.
    if (client) setTimeout(() => dialer.kick(), 100).unref();
    else dialer.kick();
    return created;
  };
  /** A trigger must not lose its job to a database that is briefly away: retried in the background. */
  const enqueueSoon = (job: NewJob) => {
    base.runner.track(
      withRetry(() => db.whenMigrated().then(() => enqueue(job)), { attempts: 20, baseDelayMs: 500, maxDelayMs: 30_000 })
        .then(() => undefined)
        .catch((err) => log.error({ err, kind: job.kind, to: maskNumber(job.number) }, 'callback could not be queued')),
    );
  };

  tickets.onStatusChange(ticketCallbacks((j, c) => enqueue(j, c), (c, id, kinds, why) => jobs.cancelForTicket(c, id, kinds, why), settings, () => base.clock.now()));
  uses.tickets.addDetail({
    name: 'callbacks',
    schema: Type.Array(Type.Object({ id: Type.String(), kind: Type.String(), status: Type.String(), result: Type.Union([Type.String(), Type.Null()]), dueAt: Type.String(), attempts: Type.Array(AttemptSchema) })),
    read: async (t) => (await jobs.list({ ticketId: t.id, limit: 100, offset: 0 })).jobs.map(({ job, attempts }) => ({ id: job.id, kind: job.kind, status: job.status, result: job.result, dueAt: job.dueAt, attempts })),
  });
  uses.tickets.addDetail({
    name: 'surveys',
    schema: Type.Array(Type.Object({ jobId: Type.String(), score: Type.Integer(), satisfied: Type.Boolean(), answeredAt: Type.String(), comment: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]) })),
    read: async (t) => (await surveys.ofTicket(t.id)).map(({ jobId, score, satisfied: ok, answeredAt, comment }) => ({ jobId, score, satisfied: ok, answeredAt, comment })),
  });

  return {
    name: 'outbound',
    calls,
    queue: (job) => enqueueSoon(job),
    callEnded: (record) => {
      const job = missedCall(record, settings);
      if (job) enqueueSoon(job);
    },
    voicemailCompleted: (ticket) => {
      const job = silentVoicemail(ticket, settings);
      if (job) enqueueSoon(job);
    },
    nodes: [
      ...bindKinds([answerNode], calls),
      ...bindKinds([jobSayNode], speech),
      ...bindKinds([surveyCommentNode], new CommentKeeper(commentKeeper, calls, satisfied, log)),
    ],
    flows: JOB_KINDS.map((kind) => ({ name: flowName(kind), file: path.resolve(config.projectRoot, settings.kinds[kind].flowFile ?? FLOW_FILES[kind]) })),
    routes: (app) => callbackRoutes(app, { jobs, optOuts, tickets, enqueue: (j) => enqueue(j), kick: () => dialer.kick(), clock: base.clock }),
    workers: [
      { name: 'outbound dialer', start: () => void db.ready.then(() => dialer.start(), () => undefined), stop: () => dialer.stop() },
      { name: 'survey comment keeper', start: () => commentKeeper.start(), stop: () => commentKeeper.stop() },
    ],
    health: [{ name: 'outboundCalls', read: () => calls.inProgress }],
  };
}
