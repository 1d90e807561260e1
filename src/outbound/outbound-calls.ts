import { withRetry } from '../db/retry.ts';
import type { CalendarConfig, HotlineConfig, Language } from '../config/schema.ts';
import type { OutboundConfig } from '../config/outbound-schema.ts';
import { CHANNEL_VARS, type CallSession } from '../ivr/call-session.ts';
import type { CallRecord } from '../domain/call-record.ts';
import type { CallRunner } from '../ivr/call-runner.ts';
import type { FlowSet } from '../ivr/flow-set.ts';
import { introduce } from '../ivr/flow-runner.ts';
import type { Logger } from '../logging/logger.ts';
import type { Clock } from '../time/clock.ts';
import { maskNumber } from '../logging/mask.ts';
import type { CallLeg, DialFailure, Telephony } from '../telephony/port.ts';
import { nextStep, type FinishEffects } from './finish.ts';
import type { Claimed, JobRepository } from './job-repository.ts';
import type { Answers, Attempt, AttemptOutcome, Job } from './job.ts';

/** The channel variable naming the attempt a call belongs to: set at dial time, read after a restart. */
export const ATTEMPT_VAR = 'HOTLINE_ATTEMPT';

/** The flow of each kind of job, by name in the FlowSet. */
export const flowName = (kind: Job['kind']) => `outbound/${kind}`;

export type JobStore = Pick<JobRepository, 'answered' | 'recordAnswers' | 'finish' | 'openAttempts' | 'attempt'>;

export interface OutboundCallsOptions {
  telephony: Telephony;
  runner: CallRunner;
  flows: FlowSet;
  store: JobStore;
  config: OutboundConfig;
  calendar: CalendarConfig;
  trunk: HotlineConfig['trunk'];
  languages: readonly Language[];
  effects: FinishEffects;
  clock: Clock;
  /** Told of every job that reached an end (done, unreachable, opted out). */
  onJobEnded?(job: Job): void;
  /** Told when a callee answers, with the id of the call's record. */
  onAnswered?(job: Job, callRecordId: string): void;
  /**
   * Whose open attempts the recovery may close: this node's (and '' from a
   * single node before), and those of nodes gone for good. Another node's
   * calls live in its Asterisk, where this one cannot see them.
   */
  owners(): Promise<string[]>;
  log: Logger;
}

/** An attempt whose call is up: what the outbound node kinds record on. */
export interface LiveAttempt {
  job: Job;
  attempt: Attempt;
  answers: Answers;
  /** Adds to what the callee keyed; written at once (and again when the attempt ends). */
  answer(patch: Answers): void;
}

const FAILED: Record<DialFailure, AttemptOutcome> = {
  'no-answer': 'no-answer',
  busy: 'busy',
  rejected: 'rejected',
  unavailable: 'failed',
  failed: 'failed',
  cancelled: 'interrupted',
};

/**
 * Places the calls of claimed attempts and runs them through their kind's
 * flow: the attempt's id is the channel id, the attempt and job ids are set on
 * the channel, so a call that outlives this process is picked up by the next
 * one (resume) and one that did not is closed as interrupted (recover).
 */
export class OutboundCalls {
  private readonly live = new Map<string, LiveAttempt>();
  /** Attempts this process is placing (from the claim to their end): never the recovery's to close. */
  private readonly placing = new Set<string>();

  constructor(private readonly o: OutboundCallsOptions) {}

  /** The attempt a session's call belongs to (for the outbound node kinds). */
  of(session: CallSession): LiveAttempt {
    const live = this.live.get(session.leg.id);
    if (!live) throw new Error(`call ${session.leg.id} is not an outbound attempt`);
    return live;
  }

  /** Calls of this process: ringing, or talking (picked up after a restart included). */
  get inProgress(): number {
    return new Set([...this.placing, ...this.live.keys()]).size;
  }

  /** Dials a claimed attempt and, when a person answers, runs the kind's flow; ends the attempt either way. */
  async place(claimed: Claimed): Promise<void> {
    this.placing.add(claimed.attempt.id);
    try {
      await this.dialAndTalk(claimed);
    } finally {
      this.placing.delete(claimed.attempt.id);
    }
  }

  private async dialAndTalk({ job, attempt }: Claimed): Promise<void> {
    const kind = this.o.config.kinds[job.kind];
    const log = this.o.log.child({ job: job.id, attempt: attempt.id, kind: job.kind });
    log.info({ to: maskNumber(job.number), n: attempt.attempt }, 'placing an outbound call');
    let dialed;
    try {
      dialed = await this.o.telephony.dial(`tel:${job.number}`, {
        timeoutSeconds: kind.ringSeconds,
        callerId: { number: this.o.trunk.outboundCallerId ?? this.o.trunk.hotlineNumber },
        resumable: true,
        channelId: attempt.id,
        variables: { [ATTEMPT_VAR]: attempt.id, [CHANNEL_VARS.customer]: job.number },
      });
    } catch (err) {
      log.error({ err }, 'could not place the outbound call');
      await this.finish(job, attempt, 'failed', null, {});
      return;
    }
    if (dialed.kind === 'failed') {
      log.info({ reason: dialed.reason }, 'outbound call not answered');
      await this.finish(job, attempt, FAILED[dialed.reason], dialed.cause, {});
      return;
    }
    await this.talk(dialed.leg, job, attempt, null);
  }

  /**
   * A call picked up after a restart: true when it is an outbound attempt
   * (then it runs on here). Throws when it cannot tell (the channel variable
   * or the attempt could not be read): the caller asks again.
   */
  async resume(leg: CallLeg): Promise<boolean> {
    const attemptId = await leg.getVar(ATTEMPT_VAR);
    if (!attemptId) return false;
    const found = await this.o.store.attempt(attemptId);
    if (!found || found.attempt.state === 'ended') {
      this.o.log.warn({ attempt: attemptId }, 'an outbound call whose attempt is over was picked up; hanging up');
      await leg.hangup();
      return true;
    }
    // Where the call was: the last node of the record the attempt was answered into, which goes on.
    const before = found.attempt.callId ? await this.o.runner.loadRecord(found.attempt.callId) : null;
    const node = before?.nodes.at(-1)?.node ?? null;
    this.o.log.info({ job: found.job.id, attempt: attemptId, node }, 'picked up an outbound call after a restart');
    await this.talk(leg, found.job, found.attempt, { node, record: before });
    return true;
  }

  /**
   * Open attempts that no call of this process serves: a call that still
   * exists in Asterisk is left to be picked up; one that does not was cut by a
   * restart and ends as interrupted (its job is tried again by the rules).
   * Returns how many are left waiting on a call that still exists.
   */
  async recover(): Promise<number> {
    let waiting = 0;
    for (const { job, attempt } of await this.o.store.openAttempts(await this.o.owners())) {
      // Between the claim and the originate a call of this process does not exist yet: not cut, just early.
      if (this.live.has(attempt.id) || this.placing.has(attempt.id)) continue;
      if (await this.o.telephony.exists(attempt.id).catch(() => true)) {
        waiting++;
        continue;
      }
      this.o.log.warn({ job: job.id, attempt: attempt.id }, 'an outbound call was cut by a restart; closing the attempt as interrupted');
      await this.finish(job, attempt, attempt.state === 'answered' && Object.keys(attempt.answers).length > 0 ? 'answered' : 'interrupted', null, {});
    }
    return waiting;
  }

  private async talk(leg: CallLeg, job: Job, attempt: Attempt, resumed: { node: string | null; record: CallRecord | null } | null): Promise<void> {
    const { runner } = this.o;
    const flow = this.o.flows.get(flowName(job.kind));
    const language = (this.o.languages as string[]).includes(job.language) ? (job.language as Language) : this.o.languages[0]!;
    const record =
      resumed?.record ?? runner.newRecord(leg, language, { customer: job.number, ...(job.callId ? { parentCallId: job.callId } : { outbound: true }) });
    const session = runner.session(leg, { flow, record, language, logFields: { job: job.id, attempt: attempt.id } });
    if (resumed?.record) session.recorder.resumed();
    session.customerNumber = job.number;
    if (job.category) session.setCategory(job.category);
    const live: LiveAttempt = {
      job,
      attempt,
      answers: { ...attempt.answers },
      answer: (patch) => {
        Object.assign(live.answers, patch);
        this.o.store.recordAnswers(attempt.id, patch).catch((err) => session.log.warn({ err: (err as Error).message }, 'answer not written yet; kept for the end of the call'));
      },
    };
    this.live.set(leg.id, live);
    void this.o.store.answered(attempt.id, record.id, this.o.clock.now()).catch((err) => session.log.warn({ err: (err as Error).message }, 'could not mark the attempt answered yet'));
    this.o.onAnswered?.(job, record.id);
    try {
      await runner.run(session, async () => {
        const resumeAt = resumed?.node ?? null;
        let start = flow.start;
        if (resumeAt && flow.nodes[resumeAt]) start = resumeAt;
        if (resumeAt) start = (await introduce(session, flow.resumePrompt)) ?? start;
        await runner.runFlow(session, start);
      });
    } finally {
      this.live.delete(leg.id);
    }
    const keyed = session.recorder.current.keys.length > 0 || live.answers.keyed === true;
    await this.finish(job, attempt, keyed ? 'answered' : 'no-input', null, live.answers);
  }

  /** Ends the attempt and moves the job on; retried while the database is away (nothing is lost). */
  private async finish(job: Job, attempt: Attempt, outcome: AttemptOutcome, cause: number | null, answers: Answers): Promise<void> {
    const done = await withRetry(
      () => {
        const now = this.o.clock.now();
        return this.o.store.finish(attempt.id, outcome, cause, answers, now, (c, j, a) => nextStep(c, j, a, outcome, this.o.effects, this.o.config, this.o.calendar, now));
      },
      {
        attempts: Infinity,
        baseDelayMs: 500,
        maxDelayMs: 10_000,
        onRetry: (err, n) => {
          if (n === 1) this.o.log.warn({ attempt: attempt.id, err: (err as Error).message }, 'cannot end the attempt yet; retrying');
        },
      },
    ).catch((err) => {
      this.o.log.error({ err, attempt: attempt.id }, 'attempt not ended; the recovery closes it');
      return null;
    });
    if (!done) return;
    this.o.log.info({ job: job.id, attempt: attempt.id, outcome, status: done.job.status, result: done.job.result }, 'outbound attempt ended');
    if (done.job.status !== 'pending') this.o.onJobEnded?.(done.job);
  }
}
