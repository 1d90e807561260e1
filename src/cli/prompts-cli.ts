/**
 * `npm run prompts`: renders the prompt catalogue for the enabled languages
 * into prompts.renderedDir with the configured engine (prompts.engine).
 * Files that are already up to date are kept; only new or changed prompts
 * are rendered.
 *
 *   npm run prompts                  render, a line per prompt on stderr
 *   npm run prompts -- --quiet       (the set-up) one line, only when something changed
 *   npm run prompts -- usage         which flow nodes and code use each prompt; unused ones
 *   npm run prompts -- --measure     cold and warm render time, Mandarin characters a minute
 */
import { offlineFlowContext } from '../app/node-kinds.ts';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type LoadedConfig } from '../config/load-config.ts';
import { loadCatalogue } from '../prompts/catalogue.ts';
import { chooseEngine } from '../prompts/choose-engine.ts';
import { formatMeasureReport, measurePrompts } from '../prompts/measure-prompts.ts';
import { PromptLibrary } from '../prompts/prompt-library.ts';
import { formatUsage, promptUsage } from '../prompts/prompt-usage.ts';
import { promptVars } from '../prompts/prompt-vars.ts';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { quiet: { type: 'boolean', default: false }, measure: { type: 'boolean', default: false } },
    allowPositionals: true,
  });
  const config = loadConfig();
  if (positionals[0] === 'usage') return usage(config);
  if (positionals.length > 0) throw new Error(`unknown command "${positionals.join(' ')}" (known: usage, --measure, --quiet)`);
  if (values.measure) return measure(config);
  return render(config, values.quiet);
}

async function render(config: LoadedConfig, quiet: boolean): Promise<void> {
  const languages = config.languages.enabled;
  let fallbacks = 0;
  const chosen = chooseEngine(config.prompts, {
    mode: 'batch',
    languages,
    onFallback: (e) => {
      fallbacks += 1;
      if (!quiet) process.stderr.write(`warning: ${e.lang} "${e.text.slice(0, 30)}…" rendered by espeak-ng: ${e.reason}\n`);
    },
  });
  if (!quiet) {
    process.stderr.write(`rendering ${relative(config.prompts.catalogue)} for ${languages.join(', ')} with ${chosen.description}\n`);
  }
  try {
    const library = await PromptLibrary.build({
      cataloguePath: config.prompts.catalogue,
      renderedDir: config.prompts.renderedDir,
      languages,
      vars: promptVars(config),
      engine: chosen.engine,
      onProgress: (p) => {
        if (quiet) return;
        const by = p.engine === chosen.engine.id ? '' : `, ${p.engine}`;
        process.stderr.write(`[${p.done}/${p.total}] ${p.lang} ${p.id} (${p.status}${by})\n`);
      },
    });
    const { rendered, cached, removed, ms } = library.stats;
    if (library.stats.fallbacks > 0) {
      process.stderr.write(
        `warning: ${library.stats.fallbacks} prompts are espeak-ng's (the cloud engine failed ${fallbacks} times); ` +
          'run `npm run prompts` again to render them with the cloud engine\n',
      );
    }
    if (quiet && rendered === 0 && removed === 0) return;
    process.stdout.write(
      `${rendered} rendered, ${cached} cached, ${removed} stale removed in ${(ms / 1000).toFixed(1)} s → ${config.prompts.renderedDir}\n`,
    );
  } finally {
    await chosen.close();
  }
}

function usage(config: LoadedConfig): void {
  const catalogue = loadCatalogue(config.prompts.catalogue);
  const flowDir = path.dirname(config.flowFile);
  const flowFiles = readdirSync(flowDir)
    .filter((n) => /\.ya?ml$/.test(n))
    .map((n) => path.join(flowDir, n))
    .sort();
  const uses = promptUsage({
    ids: catalogue.ids(),
    flowFiles,
    sourceDir: path.join(config.projectRoot, 'src'),
    root: config.projectRoot,
    flowContext: offlineFlowContext(config, { has: () => true }),
  });
  process.stdout.write(formatUsage(uses, (id) => catalogue.description(id)));
}

async function measure(config: LoadedConfig): Promise<void> {
  const chosen = chooseEngine(config.prompts, { mode: 'batch', languages: config.languages.enabled });
  process.stderr.write(`measuring with ${chosen.description} (into a temporary folder; ${relative(config.prompts.renderedDir)} is not touched)\n`);
  try {
    await chosen.warmUp();
    const report = await measurePrompts({
      cataloguePath: config.prompts.catalogue,
      languages: config.languages.enabled,
      vars: promptVars(config),
      engine: chosen.engine,
    });
    process.stdout.write(formatMeasureReport(report, chosen.engine, chosen.description));
  } finally {
    await chosen.close();
  }
}

function relative(file: string): string {
  return path.relative(process.cwd(), file) || file;
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
