import { Type } from '@sinclair/typebox';
import type { PromptItem } from '../flow-schema.ts';

/** Outcomes a node may record on the call (the others come from what happens on the call). */
export const NodeOutcome = Type.Optional(Type.Union([Type.Literal('after-hours-message'), Type.Literal('completed')]));

/** [field, prompt] pairs of a prompt list, for NodeKind.prompts. */
export function promptsOf(field: string, list: readonly PromptItem[] | undefined): Array<[string, PromptItem]> {
  return (list ?? []).map((item) => [field, item]);
}

/** [field, prompt] pairs of an object of named prompts: ['prompts.first', 'silent-1'], … */
export function namedPrompts(prompts: Record<string, string>): Array<[string, PromptItem]> {
  return Object.entries(prompts).map(([role, id]) => [`prompts.${role}`, id]);
}
