import { Type, type Static } from '@sinclair/typebox';
import { LanguageSchema } from '../../config/schema.ts';
import { NodeId } from '../flow-schema.ts';
import type { NodeKind } from '../node-kind.ts';

/** Switches the rest of the call to another language. */
export const LanguageNodeSchema = Type.Object(
  { kind: Type.Literal('language'), language: LanguageSchema, next: NodeId },
  { additionalProperties: false },
);
export type LanguageNode = Static<typeof LanguageNodeSchema>;

/** language: the rest of the call (and its record) uses another language. */
export const languageNode: NodeKind<LanguageNode> = {
  kind: 'language',
  schema: LanguageNodeSchema,
  next: (node) => [['next', node.next]],
  prompts: () => [],
  check: (node, c) => (c.languages.includes(node.language) ? [] : [`language ${node.language} is not enabled`]),
  async run(node, session) {
    session.setLanguage(node.language);
    return node.next;
  },
};
