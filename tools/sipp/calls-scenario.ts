/**
 * One phone taking several calls in a row, each its own way.
 */
import type { BuildOptions, BuiltScenario, Scenario } from './scenario.ts';
import { renderPhone } from './uas-render.ts';
import type { UasScenario } from './uas-scenario.ts';

class UasSequence implements Scenario {
  readonly role = 'uas' as const;
  constructor(private readonly scripts: UasScenario[]) {}
  get calls(): number {
    return this.scripts.length;
  }
  build(dir: string, options: BuildOptions = {}): BuiltScenario {
    return renderPhone(this.scripts, dir, options.calls ?? this.scripts.length);
  }
}

/**
 * One phone taking several calls in a row, each its own way: the first
 * INVITE runs the first script, the second the second, and so on (any further
 * call runs the last). Run it with `calls` = the number of scripts (the
 * default): SIPp -m counts calls and exits after that many have ended.
 *
 *   uasCalls(uas().neverAnswer(30_000), uas().answer().waitForHangup(60_000))
 *
 * It works with a global SIPp variable counting INVITEs; calls are told apart
 * by their order of arrival, so they should not overlap in a way that matters.
 */
export function uasCalls(...scripts: UasScenario[]): Scenario {
  if (scripts.length === 0) throw new Error('uasCalls: no scripts');
  return new UasSequence(scripts);
}
