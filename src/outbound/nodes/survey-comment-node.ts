import { Type, type Static } from '@sinclair/typebox';
import { NodeId, PromptId } from '../../ivr/flow-schema.ts';
import type { NodeKind } from '../../ivr/node-kind.ts';
import { namedPrompts } from '../../ivr/nodes/node-helpers.ts';
import { recordMessage } from '../../ivr/nodes/record-message.ts';
import type { CommentKeeper } from '../comment-keeper.ts';

/**
 * The survey's optional spoken comment: after a beep, until silence, the time
 * limit or #. Kept with the voicemail's guarantees (journalled before the beep,
 * brought in by the keeper, reconciled after a crash) and attached to the
 * survey answer of the job's ticket. A callee who hangs up instead of speaking
 * leaves no comment, and the score stands.
 */
export const SurveyCommentNodeSchema = Type.Object(
  {
    kind: Type.Literal('survey-comment'),
    prompts: Type.Object({ intro: PromptId, saved: PromptId }, { additionalProperties: false }),
    maxSeconds: Type.Integer({ minimum: 5, maximum: 300, default: 60 }),
    maxSilenceSeconds: Type.Integer({ minimum: 2, maximum: 30, default: 5 }),
    next: NodeId,
  },
  { additionalProperties: false },
);
export type SurveyCommentNode = Static<typeof SurveyCommentNodeSchema>;

export const surveyCommentNode: NodeKind<SurveyCommentNode, CommentKeeper> = {
  kind: 'survey-comment',
  schema: SurveyCommentNodeSchema,
  next: (node) => [['next', node.next]],
  prompts: (node) => namedPrompts(node.prompts),
  async run(node, session, comments) {
    await session.play([node.prompts.intro], 'emergency');
    const draft = await comments.open(session);
    if (!draft) return node.next;
    const end = await recordMessage(session, { name: draft.recordingName, maxSeconds: node.maxSeconds, maxSilenceSeconds: node.maxSilenceSeconds }, (e) =>
      comments.finish(draft.id, e),
    );
    await comments.finish(draft.id, end);
    await session.play([node.prompts.saved], 'emergency');
    return node.next;
  },
};
