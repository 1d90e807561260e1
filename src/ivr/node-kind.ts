import type { TSchema } from '@sinclair/typebox';
import type { Language } from '../config/schema.ts';
import type { CallSession } from './call-session.ts';
import type { Flow, FlowNode, PromptItem } from './flow-schema.ts';

/** What a node kind's own checks may look at. */
export interface NodeCheckContext {
  flow: Flow;
  languages: readonly Language[];
  /** Problems of choosing by the named function `fn` between `keys` (e.g. a decide node's branches). */
  covers(what: string, fn: string, keys: readonly string[]): string[];
}

/**
 * A node kind: one module that says everything about it. The flow engine
 * knows kinds only through these objects: the loader validates nodes against
 * `schema`, follows `next` to find every destination, checks every prompt of
 * `prompts`, and the runner calls `run`. A kind belongs to the feature whose
 * work it does (the duty line to emergency, voicemail to voicemail), which
 * hands `run` its services when it registers the kind (bindKinds).
 */
export interface NodeKind<N extends FlowNode = FlowNode, S = void> {
  readonly kind: N['kind'];
  /** The node's fields with their defaults (TypeBox); `kind` is a literal of it. */
  readonly schema: TSchema;
  /** True for kinds a flow may name as its emergencyNode (the duty line). */
  readonly takesEmergencies?: boolean;
  /**
   * True for kinds that finish what they were doing for a call picked up after
   * a restart (a caller still speaking into a recording): no apology first.
   */
  readonly resumesItself?: boolean;
  /** Every node it can go to: [field, node id], e.g. ['onNoAnswer', 'voicemail']. */
  next(node: N): Array<[string, string]>;
  /** Every prompt it can play: [field, prompt], e.g. ['prompts.announce', 'duty-announce']. */
  prompts(node: N): Array<[string, PromptItem]>;
  /** Problems the schema cannot see (e.g. a menu key that must be the emergency key). */
  check?(node: N, context: NodeCheckContext): string[];
  /** Runs the node on a call; resolves with the next node's id, or null when the call is over. */
  run(node: N, session: CallSession, services: S): Promise<string | null>;
}

// `any` here: kinds with different node types and services sit in one list.
export type AnyNodeKind = NodeKind<any, any>;

/** A kind with the services its feature gave it: what the runner can run. */
export interface NodeBinding {
  kind: AnyNodeKind;
  services: unknown;
}

/** Registers a feature's node kinds with the services they run on. */
export function bindKinds<S>(kinds: ReadonlyArray<NodeKind<any, S>>, services: S): NodeBinding[] {
  return kinds.map((kind) => ({ kind, services }));
}

/**
 * The node kinds a running service knows, by name, filled from what the
 * features contributed; a kind registered twice is a wiring mistake.
 */
export class NodeRegistry {
  private readonly byKind = new Map<string, NodeBinding>();

  constructor(bindings: readonly NodeBinding[] = []) {
    this.add(bindings);
  }

  add(bindings: readonly NodeBinding[]): void {
    for (const b of bindings) {
      if (this.byKind.has(b.kind.kind)) throw new Error(`node kind "${b.kind.kind}" is registered twice`);
      this.byKind.set(b.kind.kind, b);
    }
  }

  /** The kinds, for loading and checking flows. */
  get kinds(): AnyNodeKind[] {
    return [...this.byKind.values()].map((b) => b.kind);
  }

  /** Whether a call picked up in this node goes on without the apology (see NodeKind.resumesItself). */
  resumesItself(node: FlowNode | undefined): boolean {
    return node !== undefined && this.byKind.get(node.kind)?.kind.resumesItself === true;
  }

  /** Runs a node with its kind's services. */
  run(node: FlowNode, session: CallSession): Promise<string | null> {
    const binding = this.byKind.get(node.kind);
    if (!binding) throw new Error(`no node kind "${node.kind}" is registered`);
    return binding.kind.run(node, session, binding.services);
  }
}
