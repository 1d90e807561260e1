import { decideNode } from './decide-node.ts';
import { hangupNode } from './hangup-node.ts';
import { languageNode } from './language-node.ts';
import { menuNode } from './menu-node.ts';
import { playNode } from './play-node.ts';
import { silentCallerNode } from './silent-caller-node.ts';

/** The engine's own node kinds: they need nothing but the call. */
export const BASIC_NODE_KINDS = [playNode, menuNode, decideNode, languageNode, silentCallerNode, hangupNode] as const;
