import type { MenuNode } from '../flow-schema.ts';
import type { NodeHandler } from './node-handler.ts';

/**
 * menu: asks for one key, `attempts` times at most (default 3), waiting
 * `firstKeyTimeoutMs` (default 5 s) after the prompt. A wrong key replays the
 * invalid lead-in, no key the no-input lead-in, then the menu. After the last
 * attempt: onInvalid if any key was wrong, onSilence when nothing at all was
 * heard (no key, no voice), else onNoInput.
 */
export const menuNode: NodeHandler<MenuNode> = async (node, session) => {
  if (!node.keepTypeAhead) session.leg.clearKeys();
  let invalid = 0;
  let lastWasInvalid = false;
  for (let attempt = 1; attempt <= node.attempts; attempt++) {
    const prompts =
      attempt === 1
        ? node.prompts
        : [...((lastWasInvalid ? node.invalidPrompts : node.noInputPrompts) ?? []), ...(node.retryPrompts ?? node.prompts)];
    let key: string | null = null;
    // The outcome belongs to the first prompt (the after-hours message): it
    // counts once that was heard, even if the caller leaves during the rest.
    let played = await session.play(prompts.slice(0, 1));
    if (attempt === 1 && node.outcome) session.recorder.outcome(node.outcome);
    if (played.kind !== 'key' && prompts.length > 1) played = await session.play(prompts.slice(1));
    if (played.kind === 'key') key = played.key;
    else {
      const got = await session.collect({ firstKeyTimeoutMs: node.firstKeyTimeoutMs, maxKeys: 1 });
      if (got.kind !== 'voice' && got.keys.length > 0) key = got.keys;
    }
    if (key === null) {
      lastWasInvalid = false;
      session.log.debug({ attempt }, 'no key');
      continue;
    }
    session.recordKey(key);
    const next = node.options[key];
    if (next !== undefined) return next;
    invalid++;
    lastWasInvalid = true;
    session.log.debug({ attempt, key }, 'invalid key');
  }
  if (invalid > 0) return node.onInvalid;
  if (node.onSilence && !session.leg.voiceHeard) return node.onSilence;
  return node.onNoInput;
};
