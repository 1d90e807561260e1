import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../src/config/load-config.ts';
import {
  CatalogueError,
  fillPlaceholders,
  LANGUAGES,
  loadCatalogue,
  parseCatalogue,
  placeholdersIn,
} from '../../../src/prompts/catalogue.ts';

const REAL_CATALOGUE = path.join(PROJECT_ROOT, 'prompts', 'catalogue.yaml');

function problemsOf(yamlText: string): string[] {
  try {
    parseCatalogue(yamlText, 'test.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogueError);
    expect((err as Error).message).toContain('test.yaml');
    return (err as CatalogueError).problems;
  }
  throw new Error('expected the catalogue to be rejected');
}

describe('catalogue validation', () => {
  it('accepts a well-formed catalogue and serves its texts', () => {
    const cat = parseCatalogue(
      [
        'prompts:',
        '  hello:',
        '    description: test',
        '    zh-CN: 您好！',
        '    en-US: "Hello! Call {hotlineNumber}."',
      ].join('\n'),
      'test.yaml',
    );
    expect(cat.ids()).toEqual(['hello']);
    expect(cat.text('hello', 'zh-CN')).toBe('您好！');
    expect(cat.text('hello', 'en-US')).toBe('Hello! Call {hotlineNumber}.');
    expect(cat.description('hello')).toBe('test');
    expect(() => cat.text('nope', 'zh-CN')).toThrow(/test\.yaml: no prompt "nope"/);
  });

  it('names the file, line and prompt id of a missing language text', () => {
    const problems = problemsOf(['prompts:', '  hello:', '    description: test', '    zh-CN: 您好！'].join('\n'));
    expect(problems).toEqual(['line 2: prompt "hello": missing en-US text']);
  });

  it('rejects an empty text and a missing description', () => {
    const problems = problemsOf(['prompts:', '  hello:', '    zh-CN: ""', '    en-US: Hello'].join('\n'));
    expect(problems).toContain('line 2: prompt "hello": missing description');
    expect(problems).toContain('line 2: prompt "hello": missing zh-CN text');
  });

  it('rejects an unknown placeholder and stray braces', () => {
    const problems = problemsOf(
      [
        'prompts:',
        '  hours:',
        '    description: test',
        '    zh-CN: "{openingHours}"',
        '    en-US: "Open {serviceHours"',
      ].join('\n'),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^line 2: prompt "hours": zh-CN: unknown placeholder \{openingHours\}/);
    expect(problems[1]).toBe('line 2: prompt "hours": en-US: unbalanced { or }');
  });

  it('rejects a duplicate id, naming both lines', () => {
    const problems = problemsOf(
      [
        'prompts:',
        '  hello:',
        '    description: a',
        '    zh-CN: 您好',
        '    en-US: Hello',
        '  hello:',
        '    description: b',
        '    zh-CN: 您好',
        '    en-US: Hello',
      ].join('\n'),
    );
    expect(problems).toEqual(['line 6: prompt "hello": duplicate id (first defined at line 2)']);
  });

  it('rejects ids that are not kebab-case, unknown keys and unknown top-level keys', () => {
    const problems = problemsOf(
      [
        'version: 2',
        'prompts:',
        '  Hello_World:',
        '    description: a',
        '    zh-CN: 您好',
        '    en-US: Hello',
        '    zh-cn: 您好',
      ].join('\n'),
    );
    expect(problems).toContain('line 1: unknown top-level key "version" (only "prompts" is allowed)');
    expect(problems).toContain('line 3: prompt "Hello_World": id must be kebab-case (lower-case words joined by "-")');
    expect(problems.some((p) => p.startsWith('line 3: prompt "Hello_World": unknown key "zh-cn"'))).toBe(true);
  });

  it('reports YAML syntax errors and a missing prompts mapping', () => {
    expect(problemsOf('prompts:\n  a: [1, 2\n')[0]).toMatch(/^line \d+: /);
    expect(problemsOf('hello: world\n')).toContain('"prompts" must be a mapping of prompt id → texts');
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadCatalogue('/nonexistent/catalogue.yaml')).toThrow(/\/nonexistent\/catalogue\.yaml/);
  });
});

describe('placeholders', () => {
  const vars = { hotlineNumber: { 'zh-CN': '九 五', 'en-US': '9 5' } };
  it('fills known placeholders per language', () => {
    expect(placeholdersIn('a {hotlineNumber} b {serviceHours}')).toEqual(['hotlineNumber', 'serviceHours']);
    expect(fillPlaceholders('请拨打{hotlineNumber}。', 'zh-CN', vars)).toBe('请拨打九 五。');
    expect(fillPlaceholders('Call {hotlineNumber}.', 'en-US', vars)).toBe('Call 9 5.');
  });
  it('fails on a placeholder without a value or an unknown one', () => {
    expect(() => fillPlaceholders('{serviceHours}', 'zh-CN', vars, 'prompt "x"')).toThrow(
      'prompt "x" (zh-CN): no value for placeholder {serviceHours}',
    );
    expect(() => fillPlaceholders('{foo}', 'zh-CN', vars)).toThrow(/unknown placeholder \{foo\}/);
  });
});

describe('the real catalogue', () => {
  const cat = loadCatalogue(REAL_CATALOGUE);

  it('is valid and every prompt has every language', () => {
    expect(cat.ids().length).toBeGreaterThan(40);
    for (const id of cat.ids()) {
      for (const lang of LANGUAGES) expect(cat.text(id, lang).trim(), `${id} ${lang}`).not.toBe('');
      expect(cat.description(id), id).not.toBe('');
    }
  });

  it('has every prompt the call flows rely on', () => {
    const required = [
      'greeting-morning', 'greeting-noon', 'greeting-afternoon', 'greeting-evening', 'greeting-weekend',
      'greeting-holiday', 'greeting-new-year', 'greeting-labour-day', 'greeting-mid-autumn', 'greeting-national-day',
      'emergency-first', 'main-menu', 'invalid-key', 'no-input', 'transfer-desk', 'desk-unanswered', 'after-hours',
      'service-hours', 'duty-connecting', 'duty-reassurance', 'duty-announce', 'duty-press-1', 'duty-callback-intro',
      'silent-1', 'silent-2', 'silent-goodbye', 'goodbye', 'goodbye-weekend', 'goodbye-holiday', 'goodbye-night',
      'call-resumed', ...Array.from({ length: 10 }, (_, d) => `digit-${d}`),
    ];
    expect(required.filter((id) => !cat.has(id))).toEqual([]);
  });

  it('follows the scripts of the standard', () => {
    expect(cat.text('greeting-morning', 'zh-CN')).toBe('早上好！欢迎致电城市燃气客服热线。');
    expect(cat.text('emergency-first', 'zh-CN')).toBe('如遇燃气泄漏或其他紧急情况，请立即按1。');
    expect(cat.text('silent-1', 'zh-CN')).toBe('您好！您的电话已接通，请讲话。');
    expect(cat.text('silent-2', 'zh-CN')).toBe('您好！您的电话已接通，请问您能听见我的声音吗？');
    expect(cat.text('silent-goodbye', 'zh-CN')).toBe('对不起！我这边听不见您的声音，请您换一部电话再拨，谢谢来电，再见！');
    expect(cat.text('goodbye', 'zh-CN')).toBe('感谢您的来电，再见！');
    expect(cat.text('digit-1', 'zh-CN')).toBe('幺');
    // 9 for English is offered in the Mandarin menu only.
    expect(cat.text('main-menu', 'zh-CN')).toMatch(/For English, press 9\.$/);
    expect(cat.text('main-menu', 'en-US')).not.toMatch(/9/);
    // The after-hours message states the service hours and the emergency number (HRS-09).
    for (const lang of LANGUAGES) {
      expect(placeholdersIn(cat.text('after-hours', lang))).toEqual(['serviceHours', 'emergencyNumber']);
    }
  });

  it('never uses a forbidden phrase (SCR-64..68)', () => {
    const zhForbidden = ['喂', '你', '唉', '什么', '得了', '行了', '不行', '不知道', '不可以', '喽', '嘛', '还不明白', '就是这样'];
    for (const id of cat.ids()) {
      const zh = cat.text(id, 'zh-CN');
      for (const word of zhForbidden) expect(zh.includes(word), `${id} zh-CN contains "${word}"`).toBe(false);
      expect(zh, `${id} zh-CN`).not.toMatch(/\bOK\b/i);
      expect(cat.text(id, 'en-US'), `${id} en-US`).not.toMatch(/\b(OK|okay)\b/i);
    }
  });
});
