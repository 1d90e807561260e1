import { Type, type Static } from '@sinclair/typebox';
import { NodeId, PromptId } from '../flow-schema.ts';
import type { NodeKind } from '../node-kind.ts';
import { namedPrompts } from './node-helpers.ts';

/** SCR-47/48: "please speak", wait, "can you hear me", wait, goodbye, pause, hang up. */
export const SilentCallerNodeSchema = Type.Object(
  {
    kind: Type.Literal('silent-caller'),
    prompts: Type.Object(
      { first: PromptId, second: PromptId, goodbye: PromptId },
      { additionalProperties: false },
    ),
    /** Wait after each of the first two prompts, ms (the gas standard: about 3 s). */
    waitMs: Type.Integer({ minimum: 500, maximum: 30_000, default: 3000 }),
    /** Pause after the goodbye before hanging up, ms (2 s). */
    finalPauseMs: Type.Integer({ minimum: 0, maximum: 30_000, default: 2000 }),
    /** Where a caller who presses a key or speaks goes. */
    onResponse: NodeId,
  },
  { additionalProperties: false },
);
export type SilentCallerNode = Static<typeof SilentCallerNodeSchema>;

/**
 * silent-caller (SCR-47/48): "your call is connected, please speak", about
 * 3 s, "can you hear me?", about 3 s, then "sorry, I cannot hear you … goodbye",
 * 2 s, hang up. A key or speech at any point goes to onResponse.
 */
export const silentCallerNode: NodeKind<SilentCallerNode> = {
  kind: 'silent-caller',
  schema: SilentCallerNodeSchema,
  next: (node) => [['onResponse', node.onResponse]],
  prompts: (node) => namedPrompts(node.prompts),
  run: async (node, session) => {
    for (const prompt of [node.prompts.first, node.prompts.second]) {
      const played = await session.play([prompt]);
      if (played.kind === 'key') {
        session.leg.unreadKey(played.key);
        return node.onResponse;
      }
      const got = await session.collect({ firstKeyTimeoutMs: node.waitMs, endOnVoice: true });
      if (got.kind === 'voice') return node.onResponse;
      if (got.keys.length > 0) {
        session.leg.unreadKey(got.keys);
        return node.onResponse;
      }
    }
    await session.play([node.prompts.goodbye], 'emergency');
    session.recorder.outcome('silent-caller');
    const got = await session.collect({ firstKeyTimeoutMs: node.finalPauseMs, maxKeys: 1 });
    if (got.kind !== 'voice' && got.keys.length > 0) session.leg.unreadKey(got.keys);
    return null;
  },
};
