import type { Language } from '../config/schema.ts';
import type { Decision, Decisions } from './decisions.ts';
import type { Flow } from './flow-schema.ts';
import { loadFlow, type LoadedFlow, type PromptAvailability } from './load-flow.ts';
import { bindKinds, NodeRegistry, type NodeBinding } from './node-kind.ts';
import { BASIC_NODE_KINDS } from './nodes/index.ts';

/** What a feature may add to the flow engine. */
export interface FlowParts {
  readonly name: string;
  readonly nodes?: readonly NodeBinding[];
  readonly decisions?: Decisions;
}

/**
 * The running service's flows and what they are made of: the node kinds and
 * decisions the features contributed, and the flows loaded (and checked)
 * against them. Filled once at start-up, before the first call.
 */
export class FlowSet {
  /** The engine's own kinds (play, menu, …) first, then what the features add. */
  readonly kinds = new NodeRegistry(bindKinds(BASIC_NODE_KINDS, undefined));
  private readonly named: Record<string, Decision> = {};
  private readonly flows = new Map<string, Flow>();

  /** The decisions by name (the same object for the whole run: sessions keep it). */
  get decisions(): Decisions {
    return this.named;
  }

  /** Adds the node kinds and decisions of features; a name given twice is a wiring mistake. */
  install(parts: readonly FlowParts[]): void {
    for (const part of parts) {
      this.kinds.add(part.nodes ?? []);
      for (const [name, decision] of Object.entries(part.decisions ?? {})) {
        if (this.named[name]) throw new Error(`decision "${name}" of ${part.name} is already defined`);
        this.named[name] = decision;
      }
    }
  }

  /** Loads and checks a flow file under a name (e.g. 'inbound'); throws FlowError with every problem. */
  load(name: string, file: string, prompts: PromptAvailability, languages: readonly Language[]): LoadedFlow {
    const loaded = loadFlow(file, { kinds: this.kinds.kinds, decisions: this.decisions, prompts, languages });
    this.flows.set(name, loaded.flow);
    return loaded;
  }

  get(name: string): Flow {
    const flow = this.flows.get(name);
    if (!flow) throw new Error(`no flow "${name}" is loaded`);
    return flow;
  }

  all(): Flow[] {
    return [...this.flows.values()];
  }
}
