import type { SilentCallerNode } from '../flow-schema.ts';
import type { NodeHandler } from './node-handler.ts';

/**
 * silent-caller (SCR-47/48): "your call is connected, please speak", about
 * 3 s, "can you hear me?", about 3 s, then "sorry, I cannot hear you … goodbye",
 * 2 s, hang up. A key or speech at any point goes to onResponse.
 */
export const silentCallerNode: NodeHandler<SilentCallerNode> = async (node, session) => {
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
};
