import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import type { CalendarConfig, Language } from '../config/schema.ts';
import { describeAjvError } from '../config/load-config.ts';
import { DECISIONS, type Decision } from './decisions.ts';
import type { TSchema } from '@sinclair/typebox';
import {
  DecideNodeSchema,
  DutyLineNodeSchema,
  FlowSchema,
  HangupNodeSchema,
  LanguageNodeSchema,
  MenuNodeSchema,
  PlayNodeSchema,
  SilentCallerNodeSchema,
  TransferNodeSchema,
  VoicemailNodeSchema,
  type Flow,
  type FlowNode,
  type NodeKind,
  type PromptItem,
} from './flow-schema.ts';

/**
 * The schema of each node kind. Nodes are validated one by one against their
 * own kind's schema: Ajv applies no defaults inside a union (anyOf), so through
 * FlowSchema alone a menu that leaves out `attempts` would be refused instead
 * of getting the documented default, with every other kind's fields reported
 * as errors.
 */
const NODE_SCHEMAS: Record<NodeKind, TSchema> = {
  play: PlayNodeSchema,
  menu: MenuNodeSchema,
  decide: DecideNodeSchema,
  transfer: TransferNodeSchema,
  'duty-line': DutyLineNodeSchema,
  language: LanguageNodeSchema,
  'silent-caller': SilentCallerNodeSchema,
  voicemail: VoicemailNodeSchema,
  hangup: HangupNodeSchema,
};

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
  prompts: PromptAvailability;
  languages: readonly Language[];
  calendar: CalendarConfig;
  decisions?: Readonly<Record<string, Decision>>;
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
 * Validates a parsed flow: its shape, then that every destination, prompt
 * (rendered in every enabled language) and named function exists and that
 * every outcome of a function has a branch. All problems are reported at once.
 */
export function checkFlow(raw: unknown, source: string, context: FlowCheckContext): LoadedFlow {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false });
  const validate = ajv.compile(FlowSchema);
  const data = structuredClone(raw);
  const describe = (e: ErrorObject) => describeAjvError(source, e).slice(source.length + 2);
  const shape = nodeShapeProblems(ajv, data, describe);
  if (!validate(data)) {
    // Errors inside nodes are the union's noise; nodeShapeProblems said what is wrong there.
    const errors = validate.errors ?? [];
    const outside = errors.filter((e) => !e.instancePath.startsWith('/nodes/'));
    shape.push(...(shape.length === 0 && outside.length === 0 ? errors : outside).map(describe));
  }
  if (shape.length > 0) throw new FlowError(source, shape.slice(0, 20));
  const flow = data as Flow;
  const decisions = context.decisions ?? DECISIONS;
  const problems: string[] = [];
  const nodeIds = new Set(Object.keys(flow.nodes));

  const target = (from: string, field: string, to: string) => {
    if (!nodeIds.has(to)) problems.push(`node "${from}": ${field} goes to "${to}", which is not a node`);
  };
  const prompt = (from: string, id: string) => {
    for (const lang of context.languages) {
      if (!context.prompts.has(id, lang)) problems.push(`node "${from}": prompt "${id}" is missing or not rendered in ${lang}`);
    }
  };
  const outcomesOf = (from: string, fn: string): string[] | null => {
    const d = decisions[fn];
    if (!d) {
      problems.push(`node "${from}": unknown function "${fn}" (known: ${Object.keys(decisions).join(', ')})`);
      return null;
    }
    return d.outcomes(context.calendar);
  };
  const covers = (from: string, what: string, fn: string, keys: string[]) => {
    const outcomes = outcomesOf(from, fn);
    if (!outcomes) return;
    for (const o of outcomes) if (!keys.includes(o)) problems.push(`node "${from}": ${what} has nothing for "${o}" (from ${fn})`);
    for (const k of keys) if (!outcomes.includes(k)) problems.push(`node "${from}": ${what} names "${k}", which ${fn} never returns`);
  };
  const items = (from: string, list: PromptItem[] | undefined) => {
    for (const item of list ?? []) {
      if (typeof item === 'string') prompt(from, item);
      else {
        covers(from, `select ${item.select}`, item.select, Object.keys(item.prompts));
        for (const id of Object.values(item.prompts)) prompt(from, id);
      }
    }
  };

  target('(flow)', 'start', flow.start);
  target('(flow)', 'emergencyNode', flow.emergencyNode);
  if (flow.nodes[flow.emergencyNode] && flow.nodes[flow.emergencyNode]!.kind !== 'duty-line') {
    problems.push(`emergencyNode "${flow.emergencyNode}" must be a duty-line node`);
  }
  prompt('(flow)', flow.resumePrompt);

  for (const [id, node] of Object.entries(flow.nodes)) {
    for (const [field, to] of destinations(node)) target(id, field, to);
    switch (node.kind) {
      case 'play':
      case 'hangup':
        items(id, node.prompts);
        break;
      case 'menu':
        for (const list of [node.prompts, node.retryPrompts, node.invalidPrompts, node.noInputPrompts]) items(id, list);
        if (node.options[flow.emergencyKey] !== undefined && node.options[flow.emergencyKey] !== flow.emergencyNode) {
          problems.push(`node "${id}": key ${flow.emergencyKey} is the emergency key and must go to "${flow.emergencyNode}"`);
        }
        break;
      case 'decide':
        covers(id, 'branches', node.function, Object.keys(node.branches));
        break;
      case 'transfer':
        items(id, node.prompts);
        if (node.hold) prompt(id, node.hold);
        break;
      case 'duty-line':
      case 'silent-caller':
      case 'voicemail':
        for (const p of Object.values(node.prompts)) prompt(id, p);
        break;
      case 'language':
        if (!context.languages.includes(node.language)) problems.push(`node "${id}": language ${node.language} is not enabled`);
        break;
    }
  }
  if (problems.length > 0) throw new FlowError(source, problems);

  const reachable = reachableNodes(flow);
  const warnings = [...nodeIds].filter((id) => !reachable.has(id)).map((id) => `node "${id}" cannot be reached`);
  return { flow, warnings };
}

/** Every [field, node id] a node can continue to. */
export function destinations(node: FlowNode): Array<[string, string]> {
  switch (node.kind) {
    case 'play':
    case 'language':
    case 'voicemail':
      return [['next', node.next]];
    case 'menu': {
      const out: Array<[string, string]> = Object.entries(node.options).map(([k, v]) => [`key ${k}`, v]);
      out.push(['onInvalid', node.onInvalid], ['onNoInput', node.onNoInput]);
      if (node.onSilence) out.push(['onSilence', node.onSilence]);
      return out;
    }
    case 'decide':
      return Object.entries(node.branches).map(([k, v]) => [`branch ${k}`, v]);
    case 'transfer':
      return [['onNoAnswer', node.onNoAnswer]];
    case 'silent-caller':
      return [['onResponse', node.onResponse]];
    case 'duty-line':
    case 'hangup':
      return [];
  }
}

function reachableNodes(flow: Flow): Set<string> {
  const seen = new Set<string>();
  const queue = [flow.start, flow.emergencyNode];
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (seen.has(id) || !flow.nodes[id]) continue;
    seen.add(id);
    for (const [, to] of destinations(flow.nodes[id]!)) queue.push(to);
  }
  return seen;
}

/** Validates every node against its kind's schema, filling that kind's defaults. */
function nodeShapeProblems(ajv: Ajv, data: unknown, describe: (e: ErrorObject) => string): string[] {
  const nodes = (data as { nodes?: unknown } | null)?.nodes;
  if (typeof nodes !== 'object' || nodes === null || Array.isArray(nodes)) return [];
  const problems: string[] = [];
  for (const [id, node] of Object.entries(nodes)) {
    const kind = (node as { kind?: unknown } | null)?.kind;
    if (typeof kind !== 'string' || !Object.hasOwn(NODE_SCHEMAS, kind)) {
      problems.push(`nodes.${id}.kind: must be one of ${Object.keys(NODE_SCHEMAS).join(', ')}`);
      continue;
    }
    const validate = ajv.compile(NODE_SCHEMAS[kind as NodeKind]);
    if (!validate(node)) {
      for (const e of validate.errors ?? []) problems.push(describe({ ...e, instancePath: `/nodes/${id}${e.instancePath}` }));
    }
  }
  return problems;
}
