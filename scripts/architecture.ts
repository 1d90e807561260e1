/**
 * The architecture, checked: which folders of src/ are features, which are the
 * platform they stand on, and the rules between them (docs/architecture.md).
 * Run by the unit tests (test/unit/architecture.test.ts) and by
 * `npm run check:architecture`, so the layout stays what the docs say.
 *
 *  - platform folders (the flow engine, telephony, database, prompts, …)
 *    import no feature and no composition code;
 *  - features import each other only without cycles, and no composition code;
 *  - no cycle between any two folders;
 *  - src/ imports nothing from tools/, test/ or bench/;
 *  - no file of src/ over 400 lines, the composition root under 120;
 *  - every folder of src/ is in one of the lists below (a new folder is a decision).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** What a feature may build on. `feature.ts` (the shape of a feature) is a file of src/ itself. */
export const PLATFORM = ['async', 'asterisk', 'audio', 'balancer', 'calendar', 'config', 'db', 'domain', 'errors', 'fs', 'http', 'ivr', 'logging', 'prompts', 'recordings', 'telephony', 'time'];
/** Features: each folder's index.ts exports its factory (createX) and what it contributes. */
export const FEATURES = ['audit', 'auth', 'calendar-days', 'calls', 'cdr', 'console', 'desk', 'emergency', 'figures', 'metrics', 'nodes', 'notify', 'outbound', 'routing', 'tickets', 'voicemail'];
/** Composition: what lists and starts the features, and the command-line entry points. */
export const COMPOSITION = ['app', 'cli'];
/** Files directly in src/: entry points, and the feature shape. */
const ROOT_FILES: Record<string, 'platform' | 'composition'> = { 'feature.ts': 'platform', 'main.ts': 'composition', 'launcher.ts': 'composition', 'cli.ts': 'composition', 'balancer.ts': 'composition' };

const MAX_LINES = 400;
const COMPOSITION_ROOT = 'app/service.ts';
const MAX_ROOT_LINES = 120;

type Layer = 'platform' | 'feature' | 'composition';

export function checkArchitecture(root: string): string[] {
  const src = path.join(root, 'src');
  const problems: string[] = [];
  const unlisted = new Set<string>();
  const layerOf = (unit: string): Layer | null => {
    if (unit.endsWith('.ts')) return ROOT_FILES[unit] ?? null;
    if (PLATFORM.includes(unit)) return 'platform';
    if (FEATURES.includes(unit)) return 'feature';
    if (COMPOSITION.includes(unit)) return 'composition';
    return null;
  };
  const edges = new Map<string, Set<string>>();
  for (const file of tsFiles(src)) {
    const rel = path.relative(src, file);
    const unit = rel.includes(path.sep) ? rel.split(path.sep)[0]! : rel;
    if (!layerOf(unit) && !unlisted.has(unit)) {
      unlisted.add(unit);
      problems.push(`src/${unit}: not listed as platform, feature or composition in scripts/architecture.ts`);
    }
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_LINES) problems.push(`src/${rel}: ${lines} lines (at most ${MAX_LINES})`);
    if (rel === COMPOSITION_ROOT && lines > MAX_ROOT_LINES) problems.push(`src/${rel}: the composition root has ${lines} lines (at most ${MAX_ROOT_LINES})`);
    for (const spec of importsOf(text)) {
      if (!spec.startsWith('.')) continue;
      const target = path.relative(src, path.resolve(path.dirname(file), spec));
      if (target.startsWith('..')) {
        problems.push(`src/${rel} imports ${spec}: outside src/ (tools, tests and benchmarks are not part of the service)`);
        continue;
      }
      const to = target.includes(path.sep) ? target.split(path.sep)[0]! : target;
      if (to === unit) continue;
      if (!edges.has(unit)) edges.set(unit, new Set());
      edges.get(unit)!.add(to);
      const [from, toLayer] = [layerOf(unit), layerOf(to)];
      if (from === 'platform' && toLayer !== 'platform') problems.push(`src/${rel} imports ${target}: the platform (${unit}) must not depend on the ${toLayer ?? 'unlisted'} ${to}`);
      if (from === 'feature' && toLayer === 'composition') problems.push(`src/${rel} imports ${target}: a feature must not depend on the composition root`);
    }
  }
  for (const cycle of cycles(edges)) problems.push(`folders import each other in a cycle: ${cycle.join(' -> ')}`);
  return problems;
}

/** Import specifiers of a TypeScript file (static, dynamic and side-effect imports, and re-exports). */
export function importsOf(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** Every elementary cycle found by a depth-first search, each once (starting at its smallest member). */
function cycles(edges: Map<string, Set<string>>): string[][] {
  const found = new Map<string, string[]>();
  const visit = (start: string, node: string, trail: string[]) => {
    for (const next of edges.get(node) ?? []) {
      if (next === start) {
        const cycle = [...trail, start];
        const key = [...trail].sort().join(',');
        if (trail.every((n) => n >= start) && !found.has(key)) found.set(key, cycle);
      } else if (!trail.includes(next) && next > start) visit(start, next, [...trail, next]);
    }
  };
  for (const start of edges.keys()) visit(start, start, [start]);
  return [...found.values()];
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = checkArchitecture(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
  for (const p of problems) process.stderr.write(`${p}\n`);
  process.stderr.write(problems.length === 0 ? 'architecture: every rule holds\n' : `architecture: ${problems.length} problem(s)\n`);
  process.exit(problems.length === 0 ? 0 : 1);
}
