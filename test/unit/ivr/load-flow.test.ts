import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../../src/config/load-config.ts';
import { offlineFlowContext } from '../../../src/app/node-kinds.ts';
import type { CalendarConfig, Language } from '../../../src/config/schema.ts';
import { checkFlow, FlowError, loadFlow, type FlowCheckContext } from '../../../src/ivr/load-flow.ts';
import { catalogueAvailability, testConfig } from '../../support/hotline-harness.ts';

const FLOW_FILE = path.join(PROJECT_ROOT, 'flows/hotline.yaml');
const config = testConfig();
const catalogue = catalogueAvailability();

/** How the service checks a flow; `calendar` changes the decisions' outcomes. */
function context(over: Partial<FlowCheckContext> & { calendar?: CalendarConfig } = {}): FlowCheckContext {
  const { calendar = config.calendar, ...rest } = over;
  return { ...offlineFlowContext({ calendar, languages: config.languages }, catalogue), languages: ['zh-CN', 'en-US'], ...rest };
}

/** The real flow as parsed YAML, to change one thing at a time. */
function realFlow(): Record<string, any> {
  return parseYaml(readFileSync(FLOW_FILE, 'utf8')) as Record<string, any>;
}

/** The problems checkFlow reports for a flow (fails the test if it is accepted). */
function problemsOf(raw: unknown, ctx = context()): string[] {
  try {
    checkFlow(raw, 'test-flow.yaml', ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(FlowError);
    const e = err as FlowError;
    expect(e.message).toContain('call flow test-flow.yaml cannot be used');
    return e.problems;
  }
  throw new Error('the flow was accepted');
}

describe('the real flow (flows/hotline.yaml)', () => {
  it('loads against the prompt catalogue, both languages and the real calendar, with no warning', () => {
    const { flow, warnings } = loadFlow(FLOW_FILE, context());
    expect(warnings).toEqual([]);
    expect(flow.start).toBe('greeting');
    expect(flow.nodes[flow.emergencyNode]!.kind).toBe('duty-line');
  });

  it('fills defaults the file leaves out (silent-caller timings, menu attempts)', () => {
    const raw = realFlow();
    delete raw.nodes['main-menu'].attempts;
    delete raw.nodes['main-menu'].firstKeyTimeoutMs;
    delete raw.nodes['silent-caller'].waitMs;
    const { flow } = checkFlow(raw, 'test-flow.yaml', context());
    expect(flow.nodes['main-menu']).toMatchObject({ attempts: 3, firstKeyTimeoutMs: 5000 });
    expect(flow.nodes['silent-caller']).toMatchObject({ waitMs: 3000, finalPauseMs: 2000 });
  });

  it('does not change the object it was given', () => {
    const raw = realFlow();
    delete raw.nodes['main-menu'].attempts;
    checkFlow(raw, 'test-flow.yaml', context());
    expect(raw.nodes['main-menu'].attempts).toBeUndefined();
  });

  it('a file that cannot be read is a FlowError naming it', () => {
    expect(() => loadFlow('/nonexistent/flow.yaml', context())).toThrow(/call flow \/nonexistent\/flow.yaml cannot be used:\n {2}- cannot read/);
  });
});

describe('refused flows', () => {
  it('a prompt that does not exist: named, with every language it is missing in', () => {
    const raw = realFlow();
    raw.nodes['main-menu'].prompts = ['main-menu-v2'];
    expect(problemsOf(raw)).toEqual([
      'node "main-menu": prompt "main-menu-v2" is missing or not rendered in zh-CN',
      'node "main-menu": prompt "main-menu-v2" is missing or not rendered in en-US',
    ]);
  });

  it('a prompt not rendered in one language: only that language is named', () => {
    const has = (id: string, lang: Language) => !(id === 'goodbye-night' && lang === 'en-US') && catalogue.has(id, lang);
    expect(problemsOf(realFlow(), context({ prompts: { has } }))).toEqual([
      'node "closing": prompt "goodbye-night" is missing or not rendered in en-US',
    ]);
  });

  it('prompts are checked everywhere: duty-line, silent-caller, the resume prompt, select choices', () => {
    const missing = new Set(['duty-press-1', 'silent-2', 'call-resumed', 'greeting-mid-autumn']);
    const has = (id: string, lang: Language) => !(missing.has(id) && lang === 'zh-CN') && catalogue.has(id, lang);
    expect(problemsOf(realFlow(), context({ prompts: { has } }))).toEqual([
      'node "(flow)": prompt "call-resumed" is missing or not rendered in zh-CN',
      'node "greeting": prompt "greeting-mid-autumn" is missing or not rendered in zh-CN',
      'node "silent-caller": prompt "silent-2" is missing or not rendered in zh-CN',
      'node "emergency": prompt "duty-press-1" is missing or not rendered in zh-CN',
    ]);
  });

  it('a destination that is not a node', () => {
    const raw = realFlow();
    raw.nodes['main-menu'].options['2'] = 'desk-repiar';
    raw.nodes['desk'].onNoAnswer = 'voice-mail';
    expect(problemsOf(raw)).toEqual([
      'node "main-menu": key 2 goes to "desk-repiar", which is not a node',
      'node "desk": onNoAnswer goes to "voice-mail", which is not a node',
    ]);
  });

  it('a start or emergency node that does not exist', () => {
    const raw = realFlow();
    raw.start = 'welcome';
    raw.emergencyNode = 'duty';
    expect(problemsOf(raw)).toEqual([
      'node "(flow)": start goes to "welcome", which is not a node',
      'node "(flow)": emergencyNode goes to "duty", which is not a node',
      // The menus still send the emergency key to the old node.
      'node "main-menu": key 1 is the emergency key and must go to "duty"',
      'node "desk-unanswered": key 1 is the emergency key and must go to "duty"',
      'node "after-hours": key 1 is the emergency key and must go to "duty"',
    ]);
  });

  it('an emergency node that is not a duty line', () => {
    const raw = realFlow();
    raw.emergencyNode = 'desk';
    raw.nodes['main-menu'].options['1'] = 'desk';
    raw.nodes['after-hours'].options['1'] = 'desk';
    raw.nodes['desk-unanswered'].options['1'] = 'desk';
    expect(problemsOf(raw)).toEqual(['emergencyNode "desk" must be a duty-line node']);
  });

  it('a decide node naming an unknown function', () => {
    const raw = realFlow();
    raw.nodes.hours.function = 'business-hours';
    expect(problemsOf(raw)).toEqual([
      'node "hours": unknown function "business-hours" (known: service-hours, greeting, closing)',
    ]);
  });

  it('a prompt select over an unknown function', () => {
    const raw = realFlow();
    raw.nodes.closing.prompts[0].select = 'farewell';
    expect(problemsOf(raw)).toEqual(['node "closing": unknown function "farewell" (known: service-hours, greeting, closing)']);
  });

  it('a decide node without a branch for an outcome', () => {
    const raw = realFlow();
    delete raw.nodes.hours.branches.closed;
    expect(problemsOf(raw)).toEqual(['node "hours": branches has nothing for "closed" (from service-hours)']);
  });

  it('a greeting without national-day while the calendar has that holiday greeting', () => {
    const raw = realFlow();
    delete raw.nodes.greeting.prompts[0].prompts['national-day'];
    expect(problemsOf(raw)).toEqual(['node "greeting": select greeting has nothing for "national-day" (from greeting)']);
  });

  it('a holiday greeting the calendar gains later must be added to the flow', () => {
    const calendar = { ...config.calendar, holidays: [...config.calendar.holidays, { date: '2026-12-25', name: 'x', greeting: 'winter' }] };
    expect(problemsOf(realFlow(), context({ calendar }))).toEqual([
      'node "greeting": select greeting has nothing for "winter" (from greeting)',
    ]);
  });

  it('a branch for an outcome the function never returns', () => {
    const raw = realFlow();
    raw.nodes.hours.branches.lunch = 'closing';
    expect(problemsOf(raw)).toEqual(['node "hours": branches names "lunch", which service-hours never returns']);
  });

  it('the emergency key mapped to another node in a menu', () => {
    const raw = realFlow();
    raw.nodes['desk-unanswered'].options['1'] = 'desk-again';
    expect(problemsOf(raw)).toEqual(['node "desk-unanswered": key 1 is the emergency key and must go to "emergency"']);
  });

  it('a language node for a language that is not enabled', () => {
    expect(problemsOf(realFlow(), context({ languages: ['zh-CN'] }))).toEqual(['node "english": language en-US is not enabled']);
  });

  it('every problem is reported at once', () => {
    const raw = realFlow();
    raw.nodes['main-menu'].options['5'] = 'nowhere';
    raw.nodes.hours.function = 'nope';
    raw.nodes.closing.prompts = ['bye-bye'];
    expect(problemsOf(raw, context({ languages: ['zh-CN'] }))).toEqual([
      'node "hours": unknown function "nope" (known: service-hours, greeting, closing)',
      'node "main-menu": key 5 goes to "nowhere", which is not a node',
      'node "english": language en-US is not enabled',
      'node "closing": prompt "bye-bye" is missing or not rendered in zh-CN',
    ]);
  });

  it('shape errors name the node and the field, without the other node kinds\' noise', () => {
    const raw = realFlow();
    raw.nodes['main-menu'].timeout = 5000;
    delete raw.nodes['after-hours'].onNoInput;
    raw.nodes['silent-caller'].waitMs = 100;
    expect(problemsOf(raw)).toEqual([
      'nodes.main-menu: unknown setting "timeout"',
      'nodes.silent-caller.waitMs: must be >= 500',
      'nodes.after-hours: missing "onNoInput"',
    ]);
  });

  it('a menu key that is not one DTMF key', () => {
    const raw = realFlow();
    raw.nodes['desk-unanswered'].options['12'] = 'desk';
    expect(problemsOf(raw)).toEqual(['nodes.desk-unanswered.options: unknown setting "12"']);
  });

  it('a node id that is not kebab-case', () => {
    const raw = realFlow();
    raw.nodes['Survey_1'] = { kind: 'hangup' };
    expect(problemsOf(raw)).toEqual(['nodes: unknown setting "Survey_1"']);
  });

  it('an unknown node kind', () => {
    const raw = realFlow();
    raw.nodes.closing = { kind: 'survey', next: 'greeting' };
    expect(problemsOf(raw)).toEqual([
      'nodes.closing.kind: must be one of play, menu, decide, language, silent-caller, hangup, duty-line, transfer, voicemail, answer, job-say, survey-comment',
    ]);
  });

  it('a top-level field missing', () => {
    const raw = realFlow();
    delete raw.emergencyKey;
    expect(problemsOf(raw)).toEqual(['(top level): missing "emergencyKey"']);
  });
});

describe('warnings, not errors', () => {
  it('a node nothing leads to is a warning and the flow loads', () => {
    const raw = realFlow();
    raw.nodes.survey = { kind: 'hangup', prompts: ['thank-you'] };
    const { flow, warnings } = checkFlow(raw, 'test-flow.yaml', context());
    expect(warnings).toEqual(['node "survey" cannot be reached']);
    expect(flow.nodes.survey).toBeDefined();
  });

  it('every node a change cuts off is listed, in file order', () => {
    const raw = realFlow();
    // Both branches to after-hours: the whole business-hours part becomes unreachable.
    raw.nodes.hours.branches.open = 'after-hours';
    const { warnings } = checkFlow(raw, 'test-flow.yaml', context());
    expect(warnings).toEqual(
      ['main-menu', 'english', 'english-menu', 'desk-repair', 'desk-billing', 'desk-complaint', 'desk', 'desk-unanswered', 'desk-again', 'silent-caller', 'voicemail']
        .map((n) => `node "${n}" cannot be reached`),
    );
  });
});
