import type { LanguageNode } from '../flow-schema.ts';
import type { NodeHandler } from './node-handler.ts';

/** language: the rest of the call (and its record) uses another language. */
export const languageNode: NodeHandler<LanguageNode> = async (node, session) => {
  await session.setLanguage(node.language);
  return node.next;
};
