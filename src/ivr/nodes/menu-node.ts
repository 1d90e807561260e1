import { Type, type Static } from '@sinclair/typebox';
import { KeySchema, NodeId, PromptList } from '../flow-schema.ts';
import type { NodeKind } from '../node-kind.ts';
import { NodeOutcome, promptsOf } from './node-helpers.ts';

/**
 * Asks for one key. Defaults: 3 attempts, 5 s to the first key (PRODUCT
 * "Inbound call flow" 5). A failed attempt replays invalid/no-input lead-in
 * prompts and then `retryPrompts` (or `prompts`).
 */
export const MenuNodeSchema = Type.Object(
  {
    kind: Type.Literal('menu'),
    /**
     * Said first and to its end: only the emergency key interrupts it; other
     * keys pressed meanwhile are kept and answer the menu once it has been
     * said (the after-hours message: every caller hears the hours and the
     * emergency number, HRS-09).
     */
    announce: Type.Optional(PromptList),
    prompts: PromptList,
    retryPrompts: Type.Optional(PromptList),
    invalidPrompts: Type.Optional(PromptList),
    noInputPrompts: Type.Optional(PromptList),
    // A Record keyed by a pattern allows other keys unless told not to.
    options: Type.Record(KeySchema, NodeId, { additionalProperties: false }),
    attempts: Type.Integer({ minimum: 1, maximum: 10, default: 3 }),
    firstKeyTimeoutMs: Type.Integer({ minimum: 1000, maximum: 60_000, default: 5000 }),
    /** After the last attempt when at least one key was wrong. */
    onInvalid: NodeId,
    /** After the last attempt when no key came at all. */
    onNoInput: NodeId,
    /** Like onNoInput, but when no sound was heard either: the silent-caller sequence. */
    onSilence: Type.Optional(NodeId),
    /**
     * Keys pressed before the menu (during a play node) count as its first
     * answer; false drops them, for a message every caller must hear.
     */
    keepTypeAhead: Type.Boolean({ default: true }),
    outcome: NodeOutcome,
  },
  { additionalProperties: false },
);
export type MenuNode = Static<typeof MenuNodeSchema>;

/**
 * menu: says its announcement (if any) to the end, then asks for one key,
 * `attempts` times at most (default 3), waiting
 * `firstKeyTimeoutMs` (default 5 s) after the prompt. A wrong key replays the
 * invalid lead-in, no key the no-input lead-in, then the menu. After the last
 * attempt: onInvalid if any key was wrong, onSilence when nothing at all was
 * heard (no key, no voice), else onNoInput.
 */
export const menuNode: NodeKind<MenuNode> = {
  kind: 'menu',
  schema: MenuNodeSchema,
  next: (node) => {
    const out: Array<[string, string]> = Object.entries(node.options).map(([k, v]) => [`key ${k}`, v]);
    out.push(['onInvalid', node.onInvalid], ['onNoInput', node.onNoInput]);
    if (node.onSilence) out.push(['onSilence', node.onSilence]);
    return out;
  },
  prompts: (node) => [
    ...promptsOf('announce', node.announce),
    ...promptsOf('prompts', node.prompts),
    ...promptsOf('retryPrompts', node.retryPrompts),
    ...promptsOf('invalidPrompts', node.invalidPrompts),
    ...promptsOf('noInputPrompts', node.noInputPrompts),
  ],
  check: (node, { flow }) => {
    const to = node.options[flow.emergencyKey];
    return to !== undefined && to !== flow.emergencyNode ? [`key ${flow.emergencyKey} is the emergency key and must go to "${flow.emergencyNode}"`] : [];
  },
  run: async (node, session) => {
    if (!node.keepTypeAhead) session.leg.clearKeys();
    if (node.announce) {
      await session.play(node.announce, 'emergency');
      if (node.outcome) session.recorder.outcome(node.outcome);
    }
    let invalid = 0;
    let lastWasInvalid = false;
    for (let attempt = 1; attempt <= node.attempts; attempt++) {
      const prompts =
        attempt === 1
          ? node.prompts
          : [...((lastWasInvalid ? node.invalidPrompts : node.noInputPrompts) ?? []), ...(node.retryPrompts ?? node.prompts)];
      let key: string | null = null;
      // Without an announcement the outcome belongs to the first prompt: it
      // counts once that was heard, even if the caller leaves during the rest.
      let played = await session.play(prompts.slice(0, 1));
      if (attempt === 1 && node.outcome && !node.announce) session.recorder.outcome(node.outcome);
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
  },
};
