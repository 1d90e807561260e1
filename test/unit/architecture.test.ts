import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config/load-config.ts';
import { checkArchitecture, importsOf } from '../../scripts/architecture.ts';

describe('the architecture (docs/architecture.md)', () => {
  it('holds: platform imports no feature, no folder cycles, no file over 400 lines, a short composition root', () => {
    expect(checkArchitecture(PROJECT_ROOT)).toEqual([]);
  });

  it('reads every kind of import', () => {
    const text = [
      "import { a } from './a.ts';",
      "import type { B } from '../b/b.ts';",
      "export { c } from './c.ts';",
      "import './side-effect.ts';",
      "const d = await import('./d.ts');",
      'import {\n  e,\n  f,\n} from "./ef.ts";',
    ].join('\n');
    expect(importsOf(text)).toEqual(['./a.ts', '../b/b.ts', './c.ts', './side-effect.ts', './ef.ts', './d.ts'].sort((x, y) => text.indexOf(x) - text.indexOf(y)));
  });
});
