import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { CallRecord, RecordSink, RecordSource } from '../../src/domain/call-record.ts';
import { PROJECT_ROOT, parseConfig, type LoadedConfig } from '../../src/config/load-config.ts';
import { createDesk } from '../../src/desk/index.ts';
import type { AlertSink, DutyAlert } from '../../src/emergency/alerts.ts';
import { emergencyHooks } from '../../src/app/flows.ts';
import { createEmergency } from '../../src/emergency/index.ts';
import { Dialer } from '../../src/outbound/dialer.ts';
import { flowName, OutboundCalls } from '../../src/outbound/outbound-calls.ts';
import { MemoryJobStore } from './memory-jobs.ts';
import type { PromptSource } from '../../src/ivr/call-session.ts';
import { CallRunner } from '../../src/ivr/call-runner.ts';
import type { Flow } from '../../src/ivr/flow-schema.ts';
import { FlowSet } from '../../src/ivr/flow-set.ts';
import { InboundCalls } from '../../src/ivr/inbound-calls.ts';
import type { PromptAvailability } from '../../src/ivr/load-flow.ts';
import { bindKinds } from '../../src/ivr/node-kind.ts';
import { createLogger } from '../../src/logging/logger.ts';
import { loadCatalogue } from '../../src/prompts/catalogue.ts';
import type { ManualOverride } from '../../src/calendar/calendar.ts';
import { calendarDecisions } from '../../src/routing/decisions.ts';
import { createClock, type Clock } from '../../src/time/clock.ts';
import { VOICEMAIL_NODE_KINDS } from '../../src/voicemail/index.ts';
import { FakeTelephony, type FakeLeg, type FakeLegInit } from './fake-telephony.ts';
import { runUntil, type RunOptions } from './fake-time.ts';
import { MemoryVoicemail } from './memory-voicemail.ts';

/**
 * The real hotline (flows/hotline.yaml, the calendar of config/hotline.yaml,
 * the flow engine with the emergency and desk features as the service wires
 * them) on a FakeTelephony, with in-memory records, alerts, voicemail and
 * log. Install fake timers before creating it: its clock follows them.
 */

/** 2026-11-24 is a Tuesday: 10:00 is business hours, 23:00 is night. */
export const DAY = '2026-11-24T10:00:00+08:00';
export const NIGHT = '2026-11-24T23:00:00+08:00';
export const CALLER = '13800138000';

/** Prompt files are /prompts/<lang>/<id>, so tests can name what was heard. */
export const promptStub: PromptSource = {
  file: (id, lang) => `/prompts/${lang}/${id}`,
  digitFiles: (number, lang) => [...number].filter((c) => c >= '0' && c <= '9').map((d) => `/prompts/${lang}/digit-${d}`),
};

/** Prompt availability from the real catalogue (every catalogue prompt exists in every language). */
export function catalogueAvailability(): PromptAvailability {
  const catalogue = loadCatalogue(path.join(PROJECT_ROOT, 'prompts/catalogue.yaml'));
  return { has: (id) => catalogue.has(id) };
}

/** The configuration of config/hotline.yaml with short test times (ring 3 s, accept 2 s, reassurance 5 s, desk 5 s). */
export function testConfig(change: (raw: Record<string, any>) => void = () => {}): LoadedConfig {
  const source = path.join(PROJECT_ROOT, 'config/hotline.yaml');
  const raw = parseYaml(readFileSync(source, 'utf8')) as Record<string, any>;
  raw.duty = { ...raw.duty, ringSeconds: 3, acceptSeconds: 2, reassuranceSeconds: 5 };
  raw.serviceDesk = { ...raw.serviceDesk, ringSeconds: 5 };
  change(raw);
  return parseConfig(raw, source);
}

/** Keeps the latest snapshot of every call record. */
export class MemoryRecords implements RecordSink {
  readonly latest = new Map<string, CallRecord>();
  saves = 0;

  changed(source: RecordSource): void {
    this.saves++;
    this.latest.set(source.id, structuredClone(source.current));
  }

  /**
   * The record a call had written before a restart (the process that wrote it
   * is gone): a resumed call reads its node and language back from it.
   */
  before(id: string, nodes: string[], extra: Partial<CallRecord> = {}): CallRecord {
    const at = '2026-11-24T01:59:00.000Z';
    const record: CallRecord = {
      id, channelId: 'chan-before-restart', sipCallId: '', direction: 'inbound', parentCallId: null,
      callerNumber: '13800138000', calledNumber: '95158', language: 'zh-CN', category: null,
      startedAt: at, answeredAt: at, endedAt: null, nodes: nodes.map((node) => ({ node, at })), keys: [],
      outcome: null, outcomeDetail: {}, endedNode: null, endedBy: null, emergency: null, resumedCount: 0,
      ...extra,
    };
    this.latest.set(id, record);
    return record;
  }

  get(id: string): CallRecord {
    const r = this.latest.get(id);
    if (!r) throw new Error(`no record ${id}`);
    return r;
  }

  /** The record of the call on this leg (inbound or callback). */
  of(leg: FakeLeg): CallRecord {
    const r = [...this.latest.values()].find((x) => x.channelId === leg.id);
    if (!r) throw new Error(`no record for leg ${leg.id}`);
    return r;
  }

  all(): CallRecord[] {
    return [...this.latest.values()];
  }
}

export class MemoryAlerts implements AlertSink {
  readonly alerts: DutyAlert[] = [];

  alert(alert: DutyAlert): void {
    this.alerts.push(alert);
  }

  kinds(): string[] {
    return this.alerts.map((a) => a.kind);
  }
}

/** pino lines written to memory. */
export class MemoryLog {
  readonly lines: Array<Record<string, any>> = [];

  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, any>);
  }

  /** Lines at error level or above (pino: error 50, fatal 60). */
  errors(): Array<Record<string, any>> {
    return this.lines.filter((l) => l.level >= 50);
  }

  messages(): string[] {
    return this.lines.map((l) => String(l.msg));
  }
}

export interface HarnessOptions {
  /** Clock start (ISO with offset); default DAY. */
  at?: string;
  override?: ManualOverride | null;
  config?: (raw: Record<string, any>) => void;
}

export interface Harness {
  config: LoadedConfig;
  flow: Flow;
  flowWarnings: string[];
  clock: Clock;
  telephony: FakeTelephony;
  records: MemoryRecords;
  alerts: MemoryAlerts;
  logs: MemoryLog;
  voicemail: MemoryVoicemail;
  /** Runs the calls (activeCalls, settle). */
  runner: CallRunner;
  /** The outbound queue, in memory, and the calls it places. */
  jobs: MemoryJobStore;
  outbound: OutboundCalls;
  /** A caller leg on the fake telephony, to script before `dialIn`. */
  caller(init?: FakeLegInit): FakeLeg;
  /** The call reaches the hotline. */
  dialIn(leg: FakeLeg, context?: { resumed?: boolean; placed?: boolean }): FakeLeg;
  /** Advances fake time until `condition` holds. */
  runUntil(condition: () => boolean, options?: RunOptions): Promise<void>;
  /** Advances fake time until every call and callback is over. */
  settle(options?: RunOptions): Promise<void>;
  /** Settles and checks that nothing is left: no session, leg, wait, bridge or timer; no error logged. */
  finish(options?: { errorsExpected?: boolean }): Promise<void>;
}

export function hotlineHarness(o: HarnessOptions = {}): Harness {
  if (!vi.isFakeTimers()) throw new Error('hotlineHarness: install fake timers first (vi.useFakeTimers())');
  const config = testConfig(o.config);
  const clock = createClock(o.at ?? DAY);
  const telephony = new FakeTelephony();
  // Digits are short, so an officer's announcement of an 11-digit number stays realistic.
  telephony.setDuration(/\/digit-\d$/, 300);
  const records = new MemoryRecords();
  const alerts = new MemoryAlerts();
  const logs = new MemoryLog();
  const log = createLogger('debug', logs);
  const voicemail = new MemoryVoicemail(telephony.recordings, config.calendar);
  const flows = new FlowSet();
  const runner = new CallRunner({ prompts: promptStub, clock, flows, records, loadRecord: async (id) => records.latest.get(id) ?? null, log });
  const base = { config, log, telephony, prompts: promptStub, runner, clock };
  // The callback of an abandoned emergency call goes through the outbound queue, here in memory.
  const jobs = new MemoryJobStore(() => clock.now());
  const noEffects = { reopenTicket: async () => {}, confirmed: async () => {}, optOut: async () => {}, surveyed: async () => {}, unreachable: async () => {} };
  const emergency = createEmergency(base, {
    alerts,
    callBack: (r) => void jobs.enqueue({ kind: 'emergency-callback', ...r }, config.outbound.kinds['emergency-callback'].attempts).then(() => dialer.kick()),
  });
  const calls = new OutboundCalls({
    telephony, runner, flows, store: jobs, config: config.outbound, calendar: config.calendar, trunk: config.trunk,
    languages: config.languages.enabled, effects: noEffects, clock, ...emergencyHooks(emergency), owners: async () => [''], log,
  });
  const dialer = new Dialer({ store: jobs, calls, config: config.outbound, calendar: config.calendar, track: (w) => runner.track(w), log, now: () => clock.now() });
  flows.install([
    { name: 'routing', decisions: calendarDecisions(config.calendar, () => o.override ?? null) },
    emergency,
    createDesk(base),
    { name: 'voicemail', nodes: bindKinds(VOICEMAIL_NODE_KINDS, voicemail) },
  ]);
  const { flow, warnings } = flows.load('inbound', config.flowFile, catalogueAvailability(), config.languages.enabled);
  flows.load(flowName('emergency-callback'), path.join(PROJECT_ROOT, 'flows/outbound-emergency.yaml'), catalogueAvailability(), config.languages.enabled);
  dialer.start();
  new InboundCalls({
    telephony,
    runner,
    flow,
    defaultLanguage: config.languages.default,
    enabledLanguages: config.languages.enabled,
    claims: [(leg) => calls.resume(leg)],
    log,
  });

  const settleAll = async (options: RunOptions = {}) => {
    let done = false;
    void runner.settle().then(() => {
      done = true;
    });
    await runUntil(() => done, { what: 'every call to end', ...options });
  };

  return {
    config,
    flow,
    flowWarnings: warnings,
    clock,
    telephony,
    records,
    alerts,
    logs,
    voicemail,
    runner,
    jobs,
    outbound: calls,
    caller: (init = {}) => telephony.newLeg({ callerNumber: CALLER, ...init }),
    dialIn: (leg, context = {}) => telephony.simulateInbound(leg, context),
    runUntil,
    settle: settleAll,
    async finish(options = {}) {
      await settleAll();
      await dialer.stop();
      expect(runner.activeCalls).toBe(0);
      expect(telephony.stats()).toEqual({ connected: true, legs: 0, pendingWaits: 0, bridges: 0 });
      expect(vi.getTimerCount()).toBe(0);
      if (!options.errorsExpected) expect(logs.errors()).toEqual([]);
    },
  };
}

/** A duty phone or desk phone that answers after `afterMs` and, when it hears `prompt`, presses `key` (or nothing). */
export function answersAndPresses(afterMs: number, prompt: string, key: string | null, pressAfterMs = 200) {
  return {
    afterMs,
    then: (leg: FakeLeg) => {
      if (key !== null) leg.onPlay(prompt, { press: key, afterMs: pressAfterMs });
    },
  };
}

/** An officer who answers after `afterMs` and accepts (presses 1 during duty-press-1). */
export const accepts = (afterMs = 1000) => answersAndPresses(afterMs, 'duty-press-1', '1');

/** Prompt ids heard, language included: ['zh-CN/greeting-morning', …]. */
export function heardWithLanguage(leg: FakeLeg): string[] {
  return leg.played().map((f) => f.split('/').slice(-2).join('/'));
}
