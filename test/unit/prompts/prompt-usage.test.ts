import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { offlineFlowContext } from '../../../src/app/node-kinds.ts';
import { loadConfig, PROJECT_ROOT } from '../../../src/config/load-config.ts';
import { loadCatalogue } from '../../../src/prompts/catalogue.ts';
import { formatUsage, promptUsage } from '../../../src/prompts/prompt-usage.ts';

const config = loadConfig({});
const catalogue = loadCatalogue(path.join(PROJECT_ROOT, 'prompts', 'catalogue.yaml'));
let src: string;

beforeAll(async () => {
  src = await mkdtemp(path.join(os.tmpdir(), 'hotline-usage-test-'));
  await mkdir(path.join(src, 'desk'));
  await writeFile(
    path.join(src, 'desk', 'read-back.ts'),
    [
      '// plays readback-number first',
      "const a = session.play(['readback-number']);",
      "recorder.outcome('thank-you');",
      'const b = prompts.file(`digit-${d}`, lang);',
    ].join('\n'),
  );
});
afterAll(async () => {
  if (src) await rm(src, { recursive: true, force: true });
});

describe('promptUsage', () => {
  /** A prompt id that no flow and no code plays. */
  const UNUSED = 'nobody-plays-this';
  const uses = () =>
    promptUsage({
      ids: [...catalogue.ids(), UNUSED],
      flowFiles: [path.join(PROJECT_ROOT, 'flows', 'hotline.yaml')],
      sourceDir: src,
      root: src,
      flowContext: offlineFlowContext(config, { has: () => true }),
    });

  it('names the flow nodes and fields that play each prompt', () => {
    const u = uses();
    expect(u.get('greeting-morning')).toEqual([{ where: expect.stringMatching(/hotline\.yaml$/), what: 'node greeting (play, prompts, greeting: morning)' }]);
    expect(u.get('emergency-first')?.map((x) => x.what)).toContain('node main-menu (menu, retryPrompts)');
    expect(u.get('duty-press-1')?.map((x) => x.what)).toEqual(['node emergency (duty-line, prompts.pressToAccept)']);
    expect(u.get('call-resumed')?.map((x) => x.what)).toEqual(['resumePrompt (after a restart)']);
    // Every node kind says what it plays: the voicemail node's prompts are found too.
    expect(u.get('thank-you')?.map((x) => x.what)).toContain('node voicemail-repair (voicemail, prompts.thanks)');
  });

  it('finds ids that code plays, templates included, but not comments or other names', () => {
    const u = uses();
    const inCode = (id: string) => u.get(id)?.filter((x) => !x.where.endsWith('.yaml'));
    expect(inCode('readback-number')).toEqual([{ where: 'desk/read-back.ts:2', what: "const a = session.play(['readback-number']);" }]);
    expect(inCode('digit-7')?.map((x) => x.where)).toEqual(['desk/read-back.ts:4']);
    expect(inCode('thank-you')).toEqual([]);
  });

  it('flags prompts that nothing uses', () => {
    const report = formatUsage(uses(), (id) => (id === UNUSED ? 'a test prompt' : catalogue.description(id)));
    expect(report).toMatch(/^nobody-plays-this {2}— UNUSED \(/m);
    expect(report).not.toMatch(/^greeting-morning .*UNUSED/m);
    expect(report).toMatch(/prompt\(s\) used by no flow and no code: .*nobody-plays-this/);
  });
});
