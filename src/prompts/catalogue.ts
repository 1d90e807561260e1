import { readFileSync } from 'node:fs';
import { isMap, isScalar, LineCounter, parseDocument, type Node as YamlNode, type Pair } from 'yaml';
import type { Language } from '../config/schema.ts';

/**
 * The prompt catalogue (prompts/catalogue.yaml): every sentence the hotline
 * speaks, by prompt id and language. Loading validates the whole file and
 * reports every problem at once, each naming the file, line and prompt id.
 */

/** Every language a prompt must be written in (the Language type of the config). */
const LANGUAGE_SET: Record<Language, true> = { 'zh-CN': true, 'en-US': true };
export const LANGUAGES = Object.keys(LANGUAGE_SET) as readonly Language[];

/** Placeholders a text may contain; filled when the audio is rendered (see prompt-vars.ts). */
export const PLACEHOLDERS = ['emergencyNumber', 'hotlineNumber', 'serviceHours'] as const;
export type PlaceholderName = (typeof PLACEHOLDERS)[number];

/**
 * Placeholders filled during a call (the callback deadline): a prompt that has
 * one is a template, rendered on demand with the call's values.
 */
export const CALL_PLACEHOLDERS = ['deadline', 'date'] as const;

/** Whether a text has a placeholder only a call can fill. */
export function isTemplate(text: string): boolean {
  return placeholdersIn(text).some((name) => (CALL_PLACEHOLDERS as readonly string[]).includes(name));
}

/** Placeholder values: name → text per language. */
export type PromptVars = Record<string, Record<Language, string>>;

const ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const ENTRY_KEYS = new Set<string>(['description', ...LANGUAGES]);

export class CatalogueError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid prompt catalogue ${source}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'CatalogueError';
  }
}

export interface CatalogueEntry {
  id: string;
  description: string;
  texts: Record<Language, string>;
}

export class Catalogue {
  readonly #entries: Map<string, CatalogueEntry>;

  constructor(
    /** The file it came from, for messages. */
    readonly source: string,
    entries: Iterable<CatalogueEntry>,
  ) {
    this.#entries = new Map([...entries].map((e) => [e.id, e]));
  }

  /** Prompt ids in file order. */
  ids(): string[] {
    return [...this.#entries.keys()];
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** The raw text, placeholders not filled. */
  text(id: string, lang: Language): string {
    return this.#entry(id).texts[lang];
  }

  description(id: string): string {
    return this.#entry(id).description;
  }

  #entry(id: string): CatalogueEntry {
    const entry = this.#entries.get(id);
    if (!entry) throw new Error(`${this.source}: no prompt "${id}"`);
    return entry;
  }
}

/** Names of the {placeholders} in a text, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
}

/** Problems with the braces of a text: unknown placeholder names, stray { or }. */
export function placeholderProblems(text: string): string[] {
  const problems: string[] = [];
  const known: readonly string[] = [...PLACEHOLDERS, ...CALL_PLACEHOLDERS];
  for (const name of placeholdersIn(text)) {
    if (!known.includes(name)) {
      problems.push(`unknown placeholder {${name}} (known: ${known.map((p) => `{${p}}`).join(', ')})`);
    }
  }
  if (/[{}]/.test(text.replace(/\{[^{}]*\}/g, ''))) problems.push('unbalanced { or }');
  return problems;
}

/**
 * Replaces every {placeholder} with its value in `lang`. Throws when a
 * placeholder is unknown or has no value; `what` names the text in the error.
 */
export function fillPlaceholders(text: string, lang: Language, vars: PromptVars, what = 'text'): string {
  const problems = placeholderProblems(text);
  if (problems.length > 0) throw new Error(`${what} (${lang}): ${problems.join('; ')}`);
  return text.replace(/\{([^{}]*)\}/g, (_, name: string) => {
    const value = vars[name]?.[lang];
    if (value === undefined) throw new Error(`${what} (${lang}): no value for placeholder {${name}}`);
    return value;
  });
}

export function loadCatalogue(file: string): Catalogue {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CatalogueError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return parseCatalogue(text, file);
}

/** Parses and validates catalogue YAML; `source` names it in errors. */
export function parseCatalogue(yamlText: string, source: string): Catalogue {
  const lines = new LineCounter();
  // Duplicate keys are reported below with the prompt id, not by the parser.
  const doc = parseDocument(yamlText, { uniqueKeys: false, lineCounter: lines, prettyErrors: false });
  const at = (node: { range?: [number, number, number] | null } | null | undefined): string => {
    const offset = node?.range?.[0];
    return offset === undefined ? '' : `line ${lines.linePos(offset).line}: `;
  };
  if (doc.errors.length > 0) {
    throw new CatalogueError(
      source,
      doc.errors.map((e) => `line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`),
    );
  }

  const problems: string[] = [];
  const root = doc.contents;
  if (!isMap(root)) throw new CatalogueError(source, ['expected a mapping with the key "prompts" at the top level']);
  let promptsNode: YamlNode | null = null;
  for (const pair of root.items) {
    const key = keyOf(pair);
    if (key === 'prompts') promptsNode = pair.value as YamlNode | null;
    else problems.push(`${at(pair.key as YamlNode)}unknown top-level key "${key}" (only "prompts" is allowed)`);
  }
  if (!isMap(promptsNode)) {
    throw new CatalogueError(source, [...problems, '"prompts" must be a mapping of prompt id → texts']);
  }

  const entries: CatalogueEntry[] = [];
  const seen = new Map<string, string>();
  for (const pair of promptsNode.items) {
    const id = keyOf(pair);
    const where = at(pair.key as YamlNode);
    const label = `${where}prompt "${id}"`;
    if (!ID_PATTERN.test(id)) problems.push(`${label}: id must be kebab-case (lower-case words joined by "-")`);
    const previous = seen.get(id);
    if (previous !== undefined) {
      problems.push(`${label}: duplicate id (first defined at ${previous.replace(/: $/, '') || 'an earlier line'})`);
      continue;
    }
    seen.set(id, where);

    const value = pair.value as YamlNode | null;
    if (!isMap(value)) {
      problems.push(`${label}: expected description, ${LANGUAGES.join(', ')}`);
      continue;
    }
    const fields = new Map<string, unknown>();
    for (const field of value.items) {
      const name = keyOf(field);
      if (!ENTRY_KEYS.has(name)) {
        problems.push(`${label}: unknown key "${name}" (allowed: ${[...ENTRY_KEYS].join(', ')})`);
        continue;
      }
      if (fields.has(name)) {
        problems.push(`${label}: "${name}" is given twice`);
        continue;
      }
      fields.set(name, isScalar(field.value) ? field.value.value : field.value);
    }

    const description = fields.get('description');
    if (typeof description !== 'string' || description.trim() === '') {
      problems.push(`${label}: missing description`);
    }
    const texts: Partial<Record<Language, string>> = {};
    for (const lang of LANGUAGES) {
      const t = fields.get(lang);
      if (t === undefined || t === null || (typeof t === 'string' && t.trim() === '')) {
        problems.push(`${label}: missing ${lang} text`);
        continue;
      }
      if (typeof t !== 'string') {
        problems.push(`${label}: ${lang} text must be a single string`);
        continue;
      }
      for (const p of placeholderProblems(t)) problems.push(`${label}: ${lang}: ${p}`);
      texts[lang] = t.trim();
    }
    entries.push({ id, description: typeof description === 'string' ? description.trim() : '', texts: texts as Record<Language, string> });
  }
  if (entries.length === 0 && problems.length === 0) problems.push('"prompts" is empty');
  if (problems.length > 0) throw new CatalogueError(source, problems);
  return new Catalogue(source, entries);
}

function keyOf(pair: Pair<unknown, unknown>): string {
  const key = pair.key;
  return String(isScalar(key) ? key.value : key);
}
