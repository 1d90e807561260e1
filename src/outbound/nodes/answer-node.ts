import { Type, type Static } from '@sinclair/typebox';
import { NodeId } from '../../ivr/flow-schema.ts';
import type { NodeKind } from '../../ivr/node-kind.ts';
import type { Answers } from '../job.ts';
import type { OutboundCalls } from '../outbound-calls.ts';

/** What a key means in an outbound call. */
const ANSWERS = ['solved', 'not-solved', 'later', 'opt-out', 'desk', 'message', 'score'] as const;

/**
 * Records the callee's answer on the attempt (written at once: a callee who
 * hangs up right after keeps what they keyed), then goes on. A menu maps keys
 * to answer nodes: "1": solved, "2": not-solved, "8": later, "9": opt-out, …
 */
export const AnswerNodeSchema = Type.Object(
  {
    kind: Type.Literal('answer'),
    answer: Type.Union(ANSWERS.map((a) => Type.Literal(a))),
    /** For answer: score, the survey score 1–5. */
    score: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
    next: NodeId,
  },
  { additionalProperties: false },
);
export type AnswerNode = Static<typeof AnswerNodeSchema>;

export const answerNode: NodeKind<AnswerNode, OutboundCalls> = {
  kind: 'answer',
  schema: AnswerNodeSchema,
  next: (node) => [['next', node.next]],
  prompts: () => [],
  check: (node) => (node.answer === 'score' && node.score === undefined ? ['answer score needs a score (1-5)'] : []),
  async run(node, session, calls) {
    calls.of(session).answer({ keyed: true, ...patchOf(node) });
    session.log.info({ answer: node.answer, score: node.score }, 'outbound answer');
    return node.next;
  },
};

function patchOf(node: AnswerNode): Answers {
  switch (node.answer) {
    case 'solved':
    case 'not-solved':
      return { confirm: node.answer };
    case 'later':
      return { later: true };
    case 'opt-out':
      return { optOut: true };
    case 'desk':
      return { desk: true };
    case 'message':
      return { message: true };
    case 'score':
      return { score: node.score! };
  }
}
