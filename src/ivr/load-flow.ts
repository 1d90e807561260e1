import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { Language } from '../config/schema.ts';
import { describeAjvError } from '../config/load-config.ts';
import type { Decisions } from './decisions.ts';
import { FlowSchema, type Flow, type FlowNode, type PromptItem } from './flow-schema.ts';
import type { AnyNodeKind } from './node-kind.ts';

export class FlowError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`call flow ${source} cannot be used:\n  - ${problems.join('\n  - ')}`);
    this.name = 'FlowError';
  }
}

/** What the loader needs to know about prompts: is one rendered in a language. */
export interface PromptAvailability {
  has(id: string, lang: Language): boolean;
}

export interface FlowCheckContext {
  /** The node kinds the flow may use. */
  kinds: readonly AnyNodeKind[];
  /** The functions decide nodes and prompt selects may name. */
  decisions: Decisions;
  prompts: PromptAvailability;
  languages: readonly Language[];
}

export interface LoadedFlow {
  flow: Flow;
  /** Harmless findings (e.g. a node nothing leads to), for the log. */
  warnings: string[];
}

export function loadFlow(file: string, context: FlowCheckContext): LoadedFlow {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new FlowError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return checkFlow(raw, file, context);
}

/**
 * Validates a parsed flow: its shape and every node's against its kind, then
 * that every destination, prompt (rendered in every enabled language) and
 * named function exists and that every outcome of a function has a branch.
 * All problems are reported at once.
 */
export function checkFlow(raw: unknown, source: string, context: FlowCheckContext): LoadedFlow {
  const kinds = new Map(context.kinds.map((k) => [k.kind as string, k]));
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  const data = structuredClone(raw);
  const describe = (e: ErrorObject) => describeAjvError(source, e).slice(source.length + 2);
  const shape = nodeShapeProblems(ajv, kinds, data, describe);
  const validate = ajv.compile(FlowSchema);
  if (!validate(data)) shape.push(...(validate.errors ?? []).filter((e) => !e.instancePath.startsWith('/nodes/')).map(describe));
  if (shape.length > 0) throw new FlowError(source, shape.slice(0, 20));
  const flow = data as Flow;
  const problems = referenceProblems(flow, kinds, context);
  if (problems.length > 0) throw new FlowError(source, problems);

  const reachable = reachableNodes(flow, kinds);
  const warnings = Object.keys(flow.nodes).filter((id) => !reachable.has(id)).map((id) => `node "${id}" cannot be reached`);
  return { flow, warnings };
}

/** Destinations, prompts, functions and each kind's own checks, node by node in file order. */
function referenceProblems(flow: Flow, kinds: Map<string, AnyNodeKind>, context: FlowCheckContext): string[] {
  const problems: string[] = [];
  const target = (from: string, field: string, to: string) => {
    if (!flow.nodes[to]) problems.push(`node "${from}": ${field} goes to "${to}", which is not a node`);
  };
  const prompt = (from: string, id: string) => {
    for (const lang of context.languages) {
      if (!context.prompts.has(id, lang)) problems.push(`node "${from}": prompt "${id}" is missing or not rendered in ${lang}`);
    }
  };
  const item = (from: string, it: PromptItem) => {
    if (typeof it === 'string') return prompt(from, it);
    covers(from, `select ${it.select}`, it.select, Object.keys(it.prompts));
    for (const id of Object.values(it.prompts)) prompt(from, id);
  };
  const covers = (from: string, what: string, fn: string, keys: string[]) => {
    for (const p of coverage(context.decisions, what, fn, keys)) problems.push(`node "${from}": ${p}`);
  };

  target('(flow)', 'start', flow.start);
  target('(flow)', 'emergencyNode', flow.emergencyNode);
  const emergency = flow.nodes[flow.emergencyNode];
  if (emergency && !kinds.get(emergency.kind)?.takesEmergencies) {
    const able = [...kinds.values()].filter((k) => k.takesEmergencies).map((k) => k.kind);
    problems.push(`emergencyNode "${flow.emergencyNode}" must be a ${able.join(' or ')} node`);
  }
  prompt('(flow)', flow.resumePrompt);

  for (const [id, node] of Object.entries(flow.nodes)) {
    const kind = kinds.get(node.kind)!;
    for (const [field, to] of kind.next(node)) target(id, field, to);
    for (const [, it] of kind.prompts(node)) item(id, it);
    const own = kind.check?.(node, {
      flow,
      languages: context.languages,
      covers: (what, fn, keys) => coverage(context.decisions, what, fn, keys),
    });
    for (const p of own ?? []) problems.push(`node "${id}": ${p}`);
  }
  return problems;
}

/** Problems of a choice by a named function: unknown function, outcomes without a choice, choices no outcome makes. */
function coverage(decisions: Decisions, what: string, fn: string, keys: readonly string[]): string[] {
  const decision = decisions[fn];
  if (!decision) return [`unknown function "${fn}" (known: ${Object.keys(decisions).join(', ')})`];
  const outcomes = decision.outcomes();
  return [
    ...outcomes.filter((o) => !keys.includes(o)).map((o) => `${what} has nothing for "${o}" (from ${fn})`),
    ...keys.filter((k) => !outcomes.includes(k)).map((k) => `${what} names "${k}", which ${fn} never returns`),
  ];
}

/** Every [field, node id] a node can continue to, for tools that walk a flow. */
export function destinations(node: FlowNode, kinds: readonly AnyNodeKind[]): Array<[string, string]> {
  return kinds.find((k) => k.kind === node.kind)?.next(node) ?? [];
}

function reachableNodes(flow: Flow, kinds: Map<string, AnyNodeKind>): Set<string> {
  const seen = new Set<string>();
  const queue = [flow.start, flow.emergencyNode];
  while (queue.length > 0) {
    const id = queue.pop()!;
    const node = flow.nodes[id];
    if (seen.has(id) || !node) continue;
    seen.add(id);
    for (const [, to] of kinds.get(node.kind)!.next(node)) queue.push(to);
  }
  return seen;
}

/**
 * Validates every node against its kind's schema, filling that kind's
 * defaults. Nodes are validated one by one: Ajv applies no defaults inside a
 * union, and one schema per kind names only that kind's fields in its errors.
 */
function nodeShapeProblems(ajv: Ajv, kinds: Map<string, AnyNodeKind>, data: unknown, describe: (e: ErrorObject) => string): string[] {
  const nodes = (data as { nodes?: unknown } | null)?.nodes;
  if (typeof nodes !== 'object' || nodes === null || Array.isArray(nodes)) return [];
  const problems: string[] = [];
  for (const [id, node] of Object.entries(nodes)) {
    const kind = (node as { kind?: unknown } | null)?.kind;
    const nodeKind = typeof kind === 'string' ? kinds.get(kind) : undefined;
    if (!nodeKind) {
      problems.push(`nodes.${id}.kind: must be one of ${[...kinds.keys()].join(', ')}`);
      continue;
    }
    const validate = ajv.compile(nodeKind.schema);
    if (!validate(node)) {
      for (const e of validate.errors ?? []) problems.push(describe({ ...e, instancePath: `/nodes/${id}${e.instancePath}` }));
    }
  }
  return problems;
}
