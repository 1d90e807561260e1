import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadFlow, type FlowCheckContext } from '../ivr/load-flow.ts';

/**
 * Where each catalogue prompt is used, for reviewing wording: the flow nodes
 * that play it, and code that names it directly (the digits of a read-back,
 * for instance). A prompt used nowhere is either new (a flow will use it) or
 * left over.
 */

export interface PromptUse {
  /** "flows/hotline.yaml" or "src/prompts/prompt-library.ts:222". */
  where: string;
  /** "node greeting (prompts, select greeting: morning)", or the line of code. */
  what: string;
}

export interface UsageOptions {
  ids: readonly string[];
  /** Flow files (YAML), loaded and checked with the flow loader. */
  flowFiles: readonly string[];
  /** Folder whose .ts files are searched for prompt ids in string literals. */
  sourceDir: string;
  /** Paths in the report are relative to it. */
  root: string;
  /** Node kinds and decisions to read the flows with (every prompt counts as present here: the point is where ids appear). */
  flowContext: FlowCheckContext;
}

export function promptUsage(o: UsageOptions): Map<string, PromptUse[]> {
  const uses = new Map<string, PromptUse[]>(o.ids.map((id) => [id, []]));
  const add = (id: string, use: PromptUse) => uses.get(id)?.push(use);
  for (const file of o.flowFiles) {
    const where = path.relative(o.root, file);
    const { flow } = loadFlow(file, { ...o.flowContext, prompts: { has: () => true } });
    add(flow.resumePrompt, { where, what: 'resumePrompt (after a restart)' });
    for (const [nodeId, node] of Object.entries(flow.nodes)) {
      const kind = o.flowContext.kinds.find((k) => k.kind === node.kind)!;
      for (const [field, item] of kind.prompts(node)) {
        if (typeof item === 'string') add(item, { where, what: `node ${nodeId} (${node.kind}, ${field})` });
        else for (const [outcome, id] of Object.entries(item.prompts)) add(id, { where, what: `node ${nodeId} (${node.kind}, ${field}, ${item.select}: ${outcome})` });
      }
    }
  }
  for (const { id, where, what } of codeUses(o.sourceDir, o.root, o.ids)) add(id, { where, what });
  return uses;
}

/**
 * Code that plays a prompt by id: a line that calls the prompt library or
 * plays (.file, .has, .text, .play, .renderText …) with a quoted id, or with a
 * template whose fixed start is the start of ids (`digit-${d}` stands for
 * digit-0 … digit-9). Other quoted ids are names that happen to match one
 * (the "service-hours" decision, the "desk-unanswered" outcome), and comments
 * are not code.
 */
const PROMPT_CALL = /\.(file|has|text|durationMs|digitFiles|renderedBy|play|playFiles|files|renderText)\(/;
const COMMENT = /^\s*(\/\/|\*|\/\*)/;

function codeUses(dir: string, root: string, ids: readonly string[]): Array<PromptUse & { id: string }> {
  const known = new Set(ids);
  const out: Array<PromptUse & { id: string }> = [];
  for (const file of tsFiles(dir)) {
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (COMMENT.test(line) || !PROMPT_CALL.test(line)) return;
      const where = `${path.relative(root, file)}:${i + 1}`;
      const what = line.trim().slice(0, 100);
      for (const m of line.matchAll(/(['"])([a-z0-9]+(?:-[a-z0-9]+)+)\1/g)) {
        if (known.has(m[2]!)) out.push({ id: m[2]!, where, what });
      }
      for (const m of line.matchAll(/`([a-z0-9]+(?:-[a-z0-9]+)*-)\$\{/g)) {
        for (const id of ids) if (id.startsWith(m[1]!)) out.push({ id, where, what });
      }
    });
  }
  return out;
}

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(full));
    else if (entry.name.endsWith('.ts')) out.push(full);
  }
  return out.sort();
}

/** The report `npm run prompts -- usage` prints. */
export function formatUsage(uses: Map<string, PromptUse[]>, descriptionOf: (id: string) => string): string {
  const lines: string[] = [];
  const unused: string[] = [];
  for (const [id, list] of uses) {
    if (list.length === 0) {
      unused.push(id);
      lines.push(`${id}  — UNUSED (${descriptionOf(id)})`);
      continue;
    }
    lines.push(id);
    for (const u of list) lines.push(`    ${u.where}  ${u.what}`);
  }
  lines.push('', unused.length === 0 ? 'every prompt is used' : `${unused.length} prompt(s) used by no flow and no code: ${unused.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
