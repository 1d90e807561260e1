import type { FlowNode, NodeKind } from '../flow-schema.ts';
import { decideNode } from './decide-node.ts';
import { dutyLineNode } from './duty-line-node.ts';
import { hangupNode } from './hangup-node.ts';
import { languageNode } from './language-node.ts';
import { menuNode } from './menu-node.ts';
import type { NodeHandler } from './node-handler.ts';
import { playNode } from './play-node.ts';
import { silentCallerNode } from './silent-caller-node.ts';
import { transferNode } from './transfer-node.ts';
import { voicemailNode } from './voicemail-node.ts';

export type { NodeHandler, NodeServices, VoicemailServices } from './node-handler.ts';

/** One handler per node kind. */
export const NODE_HANDLERS: { [K in NodeKind]: NodeHandler<Extract<FlowNode, { kind: K }>> } = {
  play: playNode,
  menu: menuNode,
  decide: decideNode,
  transfer: transferNode,
  'duty-line': dutyLineNode,
  language: languageNode,
  'silent-caller': silentCallerNode,
  voicemail: voicemailNode,
  hangup: hangupNode,
};
