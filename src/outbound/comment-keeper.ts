import type { CallSession } from '../ivr/call-session.ts';
import type { Logger } from '../logging/logger.ts';
import type { RecordingEnd } from '../tickets/ticket.ts';
import type { VoicemailKeeper } from '../voicemail/voicemail-keeper.ts';
import type { OutboundCalls } from './outbound-calls.ts';
import type { CommentDraft, SurveyResponse } from './survey-repository.ts';

/**
 * The survey comment node's services: a draft for the call's survey job, made
 * safe (journal, then database) before the beep by a keeper of its own.
 */
export class CommentKeeper {
  constructor(
    private readonly keeper: VoicemailKeeper<CommentDraft, SurveyResponse>,
    private readonly calls: OutboundCalls,
    private readonly satisfied: (score: number) => boolean,
    private readonly log: Logger,
  ) {}

  /** The comment's draft, journalled; null when there is no score to attach it to or nothing can keep it. */
  async open(session: CallSession): Promise<CommentDraft | null> {
    const { job, attempt, answers } = this.calls.of(session);
    if (answers.score === undefined) return null;
    const draft: CommentDraft = {
      id: job.id,
      recordingName: `survey-comment-${attempt.id}`,
      createdAt: session.now.toISOString(),
      ticketId: job.ticketId,
      category: job.category,
      score: answers.score,
      satisfied: this.satisfied(answers.score),
    };
    try {
      await this.keeper.open(draft);
    } catch (err) {
      this.log.error({ err, job: job.id }, 'survey comment cannot be kept: the journal is not writable; skipping it');
      return null;
    }
    this.calls.of(session).answer({ comment: draft.recordingName });
    return draft;
  }

  finish(id: string, end: RecordingEnd): Promise<void> {
    return this.keeper.finish(id, end).catch((err) => this.log.error({ err, job: id }, 'survey comment not handed to the keeper'));
  }
}
