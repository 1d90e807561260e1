import { Type, type Static } from '@sinclair/typebox';
import { NodeId, PromptId } from '../../ivr/flow-schema.ts';
import type { NodeKind } from '../../ivr/node-kind.ts';
import type { JobSpeech } from '../job-speech.ts';

/**
 * Says a sentence made for this job from a template prompt (e.g. "your repair
 * of {date} is done"), the values taken from the job and its ticket. A
 * sentence that cannot be made in time is left out: the call goes on.
 */
export const JobSayNodeSchema = Type.Object(
  { kind: Type.Literal('job-say'), prompt: PromptId, next: NodeId },
  { additionalProperties: false },
);
export type JobSayNode = Static<typeof JobSayNodeSchema>;

export const jobSayNode: NodeKind<JobSayNode, JobSpeech> = {
  kind: 'job-say',
  schema: JobSayNodeSchema,
  next: (node) => [['next', node.next]],
  prompts: (node) => [['prompt', node.prompt]],
  async run(node, session, speech) {
    const file = await speech.render(session, node.prompt);
    if (file) {
      const played = await session.playFiles([file]);
      if (played.kind === 'key') session.leg.unreadKey(played.key);
    }
    return node.next;
  },
};
