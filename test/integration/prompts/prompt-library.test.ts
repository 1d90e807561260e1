import { copyFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/config/load-config.ts';
import type { Language } from '../../../src/config/schema.ts';
import type { PromptVars } from '../../../src/prompts/catalogue.ts';
import { EspeakEngine, type TtsEngine } from '../../../src/prompts/espeak-engine.ts';
import { MANIFEST_FILE, type Manifest } from '../../../src/prompts/manifest.ts';
import { PromptLibrary, type RenderProgress } from '../../../src/prompts/prompt-library.ts';
import { readWavInfo } from '../../../src/prompts/render-cache.ts';
import { spokenDigits } from '../../../src/prompts/spoken-digits.ts';

const LANGS: Language[] = ['zh-CN', 'en-US'];
const VARS: PromptVars = {
  emergencyNumber: { 'zh-CN': spokenDigits('95158', 'zh-CN'), 'en-US': spokenDigits('95158', 'en-US') },
  hotlineNumber: { 'zh-CN': spokenDigits('95158', 'zh-CN'), 'en-US': spokenDigits('95158', 'en-US') },
  serviceHours: { 'zh-CN': '本热线人工服务时间为：每天，早上8点至晚上8点。', 'en-US': 'Our service desk is open every day from 8 a.m. to 8 p.m.' },
};

/** Wraps the real engine to count calls and the most renders at once. */
class CountingEngine implements TtsEngine {
  calls: Array<{ text: string; lang: Language }> = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(readonly inner: TtsEngine = new EspeakEngine()) {}
  get id() { return this.inner.id; }
  rateFor(lang: Language) { return this.inner.rateFor(lang); }
  voiceFor(lang: Language) { return this.inner.voiceFor(lang); }
  async synthesize(text: string, lang: Language, out: string) {
    this.calls.push({ text, lang });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      return await this.inner.synthesize(text, lang, out);
    } finally {
      this.inFlight -= 1;
    }
  }
}

let tmp: string;
let cataloguePath: string;
let renderedDir: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hotline-prompts-test-'));
  cataloguePath = path.join(tmp, 'catalogue.yaml');
  renderedDir = path.join(tmp, 'rendered');
  await copyFile(path.join(PROJECT_ROOT, 'prompts', 'catalogue.yaml'), cataloguePath);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

async function mtimes(dir: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const lang of LANGS) {
    for (const name of await readdir(path.join(dir, lang))) {
      if (name.endsWith('.wav')) out.set(`${lang}/${name}`, (await stat(path.join(dir, lang, name))).mtimeMs);
    }
  }
  return out;
}

// One library, built step by step: the steps depend on each other.
describe.sequential('PromptLibrary.build with espeak-ng and sox', () => {
  let library: PromptLibrary;
  let firstMtimes: Map<string, number>;

  it('renders every prompt of the real catalogue as 8 kHz 16-bit mono WAV', { timeout: 120_000 }, async () => {
    const engine = new CountingEngine();
    const progress: RenderProgress[] = [];
    library = await PromptLibrary.build({
      cataloguePath, renderedDir, languages: LANGS, vars: VARS, engine, onProgress: (p) => progress.push(p),
    });
    const ids = library.ids();
    expect(ids.length).toBeGreaterThan(40);
    expect(progress).toHaveLength(ids.length * 2);
    expect(progress.every((p) => p.status === 'rendered')).toBe(true);
    expect(progress.at(-1)).toMatchObject({ done: ids.length * 2, total: ids.length * 2 });
    expect(engine.calls).toHaveLength(ids.length * 2);
    expect(engine.maxInFlight).toBe(2);
    expect(library.stats).toMatchObject({ rendered: ids.length * 2, cached: 0, removed: 0 });

    for (const lang of LANGS) {
      for (const id of ids) {
        expect(library.has(id, lang)).toBe(true);
        const file = library.file(id, lang);
        expect(path.isAbsolute(file)).toBe(true);
        expect(file).not.toMatch(/\.wav$/);
        expect(path.basename(file)).toMatch(new RegExp(`^${id}-[0-9a-f]{12}$`));
        expect(path.dirname(file)).toBe(path.join(renderedDir, lang));
        const info = await readWavInfo(`${file}.wav`);
        expect(info, `${lang} ${id}`).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16, format: 1 });
        expect(info.durationMs, `${lang} ${id}`).toBeGreaterThan(300);
        expect(library.durationMs(id, lang)).toBe(info.durationMs);
      }
    }
    // Nothing but the rendered files in the language folders (no temp files).
    for (const lang of LANGS) {
      const names = await readdir(path.join(renderedDir, lang));
      expect(names.filter((n) => !/^[a-z0-9-]+-[0-9a-f]{12}\.wav$/.test(n))).toEqual([]);
    }
    expect(library.has('no-such-prompt', 'zh-CN')).toBe(false);
    expect(() => library.file('no-such-prompt', 'zh-CN')).toThrow(/no-such-prompt/);

    const manifest = JSON.parse(await readFile(path.join(renderedDir, MANIFEST_FILE), 'utf8')) as Manifest;
    expect(manifest.engine).toBe(engine.id);
    const entry = manifest.prompts['zh-CN']?.['greeting-morning'];
    expect(entry?.file).toBe(path.relative(renderedDir, `${library.file('greeting-morning', 'zh-CN')}.wav`));
    expect(entry?.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(path.basename(entry!.file)).toContain(entry!.hash.slice(0, 12));
    expect(Object.keys(manifest.prompts['en-US'] ?? {})).toEqual(ids);
    firstMtimes = await mtimes(renderedDir);
  });

  it('fills the placeholders', () => {
    expect(library.text('after-hours', 'zh-CN')).toContain('抢险电话：九 五 幺 五 八。');
    expect(library.text('after-hours', 'zh-CN')).toContain('本热线人工服务时间为：每天，早上8点至晚上8点。');
    expect(library.text('after-hours', 'en-US')).toContain('The emergency number is 9 5 1 5 8.');
    expect(library.text('service-hours', 'en-US')).toBe(VARS.serviceHours!['en-US']);
    for (const id of library.ids()) expect(library.text(id, 'zh-CN')).not.toMatch(/[{}]/);
  });

  it('keeps templates for the call and renders them with its values', { timeout: 30_000 }, async () => {
    // The catalogue's two templates, in file order: the repair confirmation's day and the callback deadline.
    expect(library.templateIds()).toEqual(['repair-done', 'voicemail-callback-by']);
    expect(library.ids()).not.toContain('repair-done');
    expect(library.ids()).not.toContain('voicemail-callback-by');
    expect(library.has('voicemail-callback-by', 'zh-CN')).toBe(true);
    const file = await library.renderTemplate('voicemail-callback-by', 'zh-CN', { deadline: '明天上午10点' });
    expect(path.dirname(file)).toBe(path.join(renderedDir, 'zh-CN', 'dynamic'));
    const info = await readWavInfo(`${file}.wav`);
    expect(info).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    expect(info.durationMs).toBeGreaterThan(1000);
    // The same values again: the same file, not rendered twice.
    expect(await library.renderTemplate('voicemail-callback-by', 'zh-CN', { deadline: '明天上午10点' })).toBe(file);
    await expect(library.renderTemplate('greeting-morning', 'zh-CN', {})).rejects.toThrow(/not a template/);
  });

  it('lists the digit files of a number, skipping other characters', () => {
    expect(library.digitFiles('+86 10-95158', 'zh-CN')).toEqual(
      ['8', '6', '1', '0', '9', '5', '1', '5', '8'].map((d) => library.file(`digit-${d}`, 'zh-CN')),
    );
    expect(library.digitFiles('', 'en-US')).toEqual([]);
    expect(library.digitFiles('007', 'en-US')[2]).toBe(library.file('digit-7', 'en-US'));
  });

  it('reuses every file on a second build', async () => {
    const engine = new CountingEngine();
    const progress: RenderProgress[] = [];
    const again = await PromptLibrary.build({
      cataloguePath, renderedDir, languages: LANGS, vars: VARS, engine, onProgress: (p) => progress.push(p),
    });
    expect(engine.calls).toEqual([]);
    expect(progress.every((p) => p.status === 'cached')).toBe(true);
    expect(again.stats).toMatchObject({ rendered: 0, cached: library.ids().length * 2, removed: 0 });
    expect(await mtimes(renderedDir)).toEqual(firstMtimes);
    expect(again.file('goodbye', 'en-US')).toBe(library.file('goodbye', 'en-US'));
  });

  it('re-renders only the prompt whose text changed and removes its old file', async () => {
    const yaml = await readFile(cataloguePath, 'utf8');
    const edited = yaml.replace('zh-CN: 感谢您的来电，再见！', 'zh-CN: 感谢您的来电，祝您生活愉快，再见！');
    expect(edited).not.toBe(yaml);
    await writeFile(cataloguePath, edited);

    const engine = new CountingEngine();
    const rebuilt = await PromptLibrary.build({ cataloguePath, renderedDir, languages: LANGS, vars: VARS, engine });
    expect(engine.calls).toEqual([{ text: '感谢您的来电，祝您生活愉快，再见！', lang: 'zh-CN' }]);
    expect(rebuilt.stats).toMatchObject({ rendered: 1, removed: 1 });

    const oldFile = library.file('goodbye', 'zh-CN');
    const newFile = rebuilt.file('goodbye', 'zh-CN');
    expect(newFile).not.toBe(oldFile);
    await expect(stat(`${oldFile}.wav`)).rejects.toThrow(/ENOENT/);
    expect((await readWavInfo(`${newFile}.wav`)).sampleRate).toBe(8000);

    const now = await mtimes(renderedDir);
    const changed = [...now].filter(([name, mtime]) => firstMtimes.get(name) !== mtime).map(([name]) => name);
    expect(changed).toEqual([path.relative(renderedDir, `${newFile}.wav`)]);
    // The English text did not change, so its file stays.
    expect(rebuilt.file('goodbye', 'en-US')).toBe(library.file('goodbye', 'en-US'));
  });

  it('renders ad-hoc text into dynamic/ once, with placeholders filled', async () => {
    const engine = new CountingEngine();
    const lib = await PromptLibrary.build({ cataloguePath, renderedDir, languages: LANGS, vars: VARS, engine });
    const [a, b] = await Promise.all([
      lib.renderText('您的报修已完成，详情请拨打{hotlineNumber}。', 'zh-CN'),
      lib.renderText('您的报修已完成，详情请拨打{hotlineNumber}。', 'zh-CN'),
    ]);
    expect(a).toBe(b);
    expect(path.dirname(a)).toBe(path.join(renderedDir, 'zh-CN', 'dynamic'));
    expect(engine.calls).toEqual([{ text: '您的报修已完成，详情请拨打九 五 幺 五 八。', lang: 'zh-CN' }]);
    const info = await readWavInfo(`${a}.wav`);
    expect(info).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    expect(await lib.renderText('您的报修已完成，详情请拨打{hotlineNumber}。', 'zh-CN')).toBe(a);
    expect(engine.calls).toHaveLength(1);
    await expect(lib.renderText('{unknown}', 'en-US')).rejects.toThrow(/unknown placeholder/);
  });
});

describe('PromptLibrary.build errors', () => {
  it('names the prompt whose placeholder has no value, before rendering anything', async () => {
    const engine = new CountingEngine();
    const dir = path.join(tmp, 'no-vars');
    await expect(
      PromptLibrary.build({ cataloguePath, renderedDir: dir, languages: ['en-US'], vars: {}, engine }),
    ).rejects.toThrow(/prompt "after-hours" \(en-US\): no value for placeholder \{serviceHours\}/);
    expect(engine.calls).toEqual([]);
  });

  it('reports which prompt failed to render', async () => {
    const small = path.join(tmp, 'small.yaml');
    await writeFile(small, 'prompts:\n  hello:\n    description: t\n    zh-CN: 您好\n    en-US: Hello\n');
    const broken = new EspeakEngine({ voices: { 'en-US': 'zz-nonexistent' } });
    await expect(
      PromptLibrary.build({ cataloguePath: small, renderedDir: path.join(tmp, 'broken'), languages: ['en-US'], vars: {}, engine: broken }),
    ).rejects.toThrow(/rendering en-US prompt "hello" failed: espeak-ng exited with code \d+: .*voice does not exist/);
  });
});

describe('spokenDigits', () => {
  it('reads numbers digit by digit, 1 as 幺 in Mandarin', () => {
    expect(spokenDigits('95158', 'zh-CN')).toBe('九 五 幺 五 八');
    expect(spokenDigits('95158', 'en-US')).toBe('9 5 1 5 8');
    expect(spokenDigits('1234567890', 'zh-CN')).toBe('幺 二 三 四 五 六 七 八 九 零');
  });
  it('pauses between groups and speaks a leading +', () => {
    expect(spokenDigits('0571-110', 'zh-CN')).toBe('零 五 七 幺，幺 幺 零');
    expect(spokenDigits('+86 110', 'en-US')).toBe('plus 8 6, 1 1 0');
  });
});
