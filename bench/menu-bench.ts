/**
 * `npm run bench`: loads the hotline with concurrent SIPp calls through the
 * menu on 127.0.0.1 and prints, side by side with the same menu written as
 * plain dialplan on the same Asterisk:
 *   - calls completed and failed,
 *   - answer → first prompt and key → next prompt (p50, p99), from Asterisk's log,
 *   - CPU seconds of the application (once it is idle after its start) and of Asterisk,
 * and the ratio of the two. Every call: greeting, main menu, key 9 (English),
 * the English prompts, hang-up.
 *
 *   npm run bench -- [--calls 40] [--rate 2] [--concurrency 60]
 *
 * With --steps it finds the ceiling by itself: for each rate (calls a
 * second, each for --duration seconds of arrivals) the application and the
 * plain dialplan in turn, a row per rate with calls failed, calls in progress
 * at the peak, both delays p50/p99 and CPU per call; then the highest rate at
 * which both p99 stay under 100 ms, for each, and their ratio. After each
 * application run it prints where the application's time went: the event
 * loop's delay and each ARI request's latency (from its /health).
 *
 *   npm run bench -- --steps 8,12,16,20,24,28 [--duration 30]
 *
 * --cpu-prof <dir> writes the application's CPU profile of the quick run there.
 * --same-session runs Asterisk and the application in the benchmark's own
 * session, as the tests do, instead of each in its own as `npm start` does.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadedConfig } from '../src/config/load-config.ts';
import type { PromptLibrary } from '../src/prompts/prompt-library.ts';
import { freeUdpPort, runSipp, uac } from '../tools/sipp/index.ts';
import { startHotline } from '../test/e2e/support/hotline-process.ts';
import { startStack, type Stack } from '../test/support/stack.ts';
import { channelTimings, firstPromptDelays, keyToPromptDelays, percentile, type ChannelTiming } from './asterisk-log-timing.ts';
import { probeAri } from './ari-probe.ts';
import { runSteps } from './menu-steps.ts';

const MORNING = '2026-11-24T10:00:00+08:00';
const APP_NUMBER = '95158';
const DIALPLAN_NUMBER = '95159';

export interface PhaseResult {
  name: string;
  /** Calls in Asterisk at once at the busiest moment (from arrival to the last prompt). */
  peak: number;
  completed: number;
  failed: number;
  firstPrompt: number[];
  keyToPrompt: number[];
  appCpuS: number | null;
  asteriskCpuS: number;
  /** SIPp's own CPU (the load generator shares the machine): sampled while it ran, so a little low. */
  sippCpuS: number;
  /** Asterisk's answers to a trivial ARI request from outside the application, every 100 ms (ms). */
  probe: number[];
  /** Share of all the machine's cores busy during the phase, 0–1. */
  machineBusy: number;
  wallS: number;
}

/** The same menu as flows/hotline.yaml's morning path, in plain dialplan, with the same prompt files. */
function plainMenu(prompts: PromptLibrary): string {
  const zh = (id: string) => prompts.file(id, 'zh-CN');
  const en = (id: string) => prompts.file(id, 'en-US');
  // Its own context: in from-trunk a 9 would be the start of 95158 and Asterisk would wait for more digits.
  return [
    '[from-trunk-extra]',
    `exten => ${DIALPLAN_NUMBER},1,Goto(bench-menu,s,1)`,
    '',
    '[bench-menu]',
    'exten => s,1,Answer()',
    ` same => n,Background(${zh('greeting-morning')}&${zh('emergency-first')})`,
    ` same => n(menu),Background(${zh('main-menu')})`,
    ' same => n,WaitExten(5)',
    ' same => n,Hangup()',
    `exten => 9,1,Background(${en('language-english')}&${en('emergency-first')})`,
    ` same => n,Background(${en('main-menu')})`,
    ' same => n,WaitExten(5)',
    ' same => n,Hangup()',
    'exten => i,1,Hangup()',
    'exten => t,1,Hangup()',
    '',
  ].join('\n');
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Waits until a freshly started application is idle, as a node that has run
 * for a while: for its first minute it keeps compiling and collecting what
 * start-up left (measured: ~19 ms CPU a second for 30 s, a burst near 60 s,
 * then 9–11 ms a second), which would be charged to the first calls.
 */
async function settled(pid: number, log: (line: string) => void): Promise<void> {
  const IDLE_MS_PER_S = 15;
  const started = Date.now();
  let last = cpuSeconds(pid);
  let quietWindows = 0;
  while (Date.now() - started < 120_000) {
    await new Promise((r) => setTimeout(r, 5000));
    const now = cpuSeconds(pid);
    quietWindows = ((now - last) / 5) * 1000 < IDLE_MS_PER_S ? quietWindows + 1 : 0;
    last = now;
    if (quietWindows >= 3) {
      log(`application idle after ${Math.round((Date.now() - started) / 1000)} s`);
      return;
    }
  }
  log('application still busy after 120 s; measuring anyway');
}

/** Busy and total CPU time of the whole machine (all cores), in clock ticks. */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - (f[3] ?? 0) - (f[4] ?? 0), total };
}

async function runPhase(
  stack: Stack,
  name: string,
  number: string,
  o: { calls: number; rate: number; concurrency: number },
  appPid: number | null,
  silence: string,
): Promise<PhaseResult> {
  const logFile = stack.env.asteriskLog;
  const offset = statSync(logFile).size;
  const cpu0 = { app: appPid ? cpuSeconds(appPid) : 0, ast: cpuSeconds(stack.asterisk.pid), machine: machineTicks() };
  const started = Date.now();
  // Greeting + emergency sentence ≈ 10.6 s, then the main menu: press 9 during it. The caller
  // sends (silent) audio from the start as a phone does; without any RTP, Asterisk's answer
  // waits up to 500 ms for the first media frame and that wait would dominate the figures.
  const script = uac({ to: number, from: '1390000[call_number]' }).speakWav(silence, 13_000).dtmf('9').speakWav(silence, 4000).hangup();
  const sipp = runSipp({
    scenario: script,
    remote: `127.0.0.1:${stack.env.ports.sip}`,
    localPort: await freeUdpPort(),
    calls: o.calls,
    rate: o.rate,
    ratePeriodMs: 1000,
    maxConcurrent: o.concurrency,
    traceMessages: false,
    timeoutMs: (o.calls / o.rate) * 1000 + 120_000,
  });
  const probe = probeAri({ url: stack.env.ariUrl, user: stack.env.ariUser, password: stack.env.ariPassword });
  let sippCpuS = 0;
  const sampler = setInterval(() => {
    try {
      if (sipp.pid) sippCpuS = cpuSeconds(sipp.pid);
    } catch {
      // exited between two samples
    }
  }, 250);
  const result = await sipp.done.finally(() => clearInterval(sampler));
  const probeMs = probe.stop();
  const wallS = (Date.now() - started) / 1000;
  const cpu1 = { app: appPid ? cpuSeconds(appPid) : 0, ast: cpuSeconds(stack.asterisk.pid), machine: machineTicks() };
  const log = readFileSync(logFile, 'utf8').slice(offset);
  const timings = [...channelTimings(log).values()];
  return {
    name,
    peak: peakInProgress(timings),
    completed: result.successfulCalls,
    failed: result.failedCalls,
    firstPrompt: firstPromptDelays(timings),
    keyToPrompt: keyToPromptDelays(timings),
    appCpuS: appPid ? cpu1.app - cpu0.app : null,
    asteriskCpuS: cpu1.ast - cpu0.ast,
    sippCpuS,
    probe: probeMs,
    machineBusy: (cpu1.machine.busy - cpu0.machine.busy) / Math.max(1, cpu1.machine.total - cpu0.machine.total),
    wallS,
  };
}

function peakInProgress(timings: ChannelTiming[]): number {
  const edges = timings.flatMap((t) => [[t.arrivedAt, 1], [t.prompts.at(-1)?.at ?? t.arrivedAt, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (now += d));
  return peak;
}

/** The application's own view of the run: event loop delay and ARI request latency (GET /health). */
async function appProfile(stack: Stack): Promise<string> {
  const health = (await (await fetch(`${stack.env.httpUrl}/health`)).json()) as Record<string, any>;
  const loop = health.eventLoopDelayMs ?? {};
  const gc = health.gcPauseMs ?? {};
  const lines = [
    `event loop delay            p50 ${loop.p50} ms, p99 ${loop.p99} ms, max ${loop.max} ms`,
    `garbage collection         ${gc.n} pauses, p99 ${gc.p99} ms, max ${gc.max} ms, ${gc.total} ms in all`,
  ];
  for (const [op, s] of Object.entries<any>(health.ariRequestMs ?? {}).slice(0, 8)) {
    lines.push(`ARI ${op.padEnd(24)}n ${String(s.n).padStart(6)}  p50 ${String(s.p50).padStart(6)} ms  p99 ${String(s.p99).padStart(6)} ms  max ${String(s.max).padStart(7)} ms`);
  }
  return lines.join('\n');
}

function table(app: PhaseResult, plain: PhaseResult): string {
  const ms = (v: number | null) => (v === null ? '-' : `${v.toFixed(0)} ms`);
  const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? '-' : `${(a / b).toFixed(1)}×`);
  const row = (label: string, a: string, b: string, r = '') => `${label.padEnd(30)}${a.padStart(16)}${b.padStart(16)}${r.padStart(10)}`;
  const p = (r: PhaseResult, which: 'firstPrompt' | 'keyToPrompt', q: number) => percentile(r[which], q);
  const lines = [
    row('', 'ARI application', 'plain dialplan', 'ratio'),
    row('calls completed / failed', `${app.completed} / ${app.failed}`, `${plain.completed} / ${plain.failed}`),
    row('answer → first prompt p50', ms(p(app, 'firstPrompt', 50)), ms(p(plain, 'firstPrompt', 50)), ratio(p(app, 'firstPrompt', 50), p(plain, 'firstPrompt', 50))),
    row('answer → first prompt p99', ms(p(app, 'firstPrompt', 99)), ms(p(plain, 'firstPrompt', 99)), ratio(p(app, 'firstPrompt', 99), p(plain, 'firstPrompt', 99))),
    row('key → next prompt p50', ms(p(app, 'keyToPrompt', 50)), ms(p(plain, 'keyToPrompt', 50)), ratio(p(app, 'keyToPrompt', 50), p(plain, 'keyToPrompt', 50))),
    row('key → next prompt p99', ms(p(app, 'keyToPrompt', 99)), ms(p(plain, 'keyToPrompt', 99)), ratio(p(app, 'keyToPrompt', 99), p(plain, 'keyToPrompt', 99))),
    row('samples (prompts / keys)', `${app.firstPrompt.length} / ${app.keyToPrompt.length}`, `${plain.firstPrompt.length} / ${plain.keyToPrompt.length}`),
    row('CPU application', app.appCpuS === null ? '-' : `${app.appCpuS.toFixed(2)} s`, '-'),
    row('CPU application per call', app.appCpuS === null ? '-' : `${((app.appCpuS / Math.max(1, app.completed + app.failed)) * 1000).toFixed(0)} ms`, '-'),
    row('CPU asterisk', `${app.asteriskCpuS.toFixed(2)} s`, `${plain.asteriskCpuS.toFixed(2)} s`, ratio(app.asteriskCpuS, plain.asteriskCpuS)),
    row('CPU total (app + asterisk)', `${(app.asteriskCpuS + (app.appCpuS ?? 0)).toFixed(2)} s`, `${plain.asteriskCpuS.toFixed(2)} s`, ratio(app.asteriskCpuS + (app.appCpuS ?? 0), plain.asteriskCpuS)),
    row('ARI probe p50 / p99 (Asterisk)', `${ms(percentile(app.probe, 50))} / ${ms(percentile(app.probe, 99))}`, `${ms(percentile(plain.probe, 50))} / ${ms(percentile(plain.probe, 99))}`),
    row('CPU SIPp (the callers)', `${app.sippCpuS.toFixed(2)} s`, `${plain.sippCpuS.toFixed(2)} s`),
    row(`machine busy (${cpus().length} cores)`, `${(app.machineBusy * 100).toFixed(0)} %`, `${(plain.machineBusy * 100).toFixed(0)} %`),
    row('wall time', `${app.wallS.toFixed(1)} s`, `${plain.wallS.toFixed(1)} s`),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      calls: { type: 'string', default: '40' },
      rate: { type: 'string', default: '2' },
      concurrency: { type: 'string', default: '60' },
      steps: { type: 'string' },
      'ari-connections': { type: 'string' },
      duration: { type: 'string', default: '30' },
      'cpu-prof': { type: 'string' },
      'same-session': { type: 'boolean', default: false },
    },
  });
  const o = { calls: Number(values.calls), rate: Number(values.rate), concurrency: Number(values.concurrency) };
  const say = (line: string) => process.stderr.write(`${line}\n`);
  process.stderr.write(`starting a stack (PostgreSQL, Asterisk, the application) on 127.0.0.1 …\n`);
  const stack = await startStack({
    keep: Boolean(process.env.BENCH_KEEP),
    // Asterisk and the application each in a session of their own, as `npm start` (the launcher) and
    // services run them: in one session the application's single thread would compete with each of
    // Asterisk's few hundred threads for the CPU, instead of process against process.
    ownSession: !values['same-session'],
    extraDialplan: (prompts: PromptLibrary, _c: LoadedConfig) => plainMenu(prompts),
    configure: (raw) => {
      raw.logLevel = 'info';
      raw.asterisk.rtpPortEnd = raw.asterisk.rtpPortStart + 1999;
      raw.asterisk.maxCalls = 1000;
      if (values['ari-connections']) raw.asterisk.ariConnections = Number(values['ari-connections']);
    },
  });
  // The application logs at info, as in production.
  // --cpu-prof <dir>: the application writes a V8 CPU profile there when it stops (open it in Chrome's DevTools).
  const nodeArgs = values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values['cpu-prof'])}`] : [];
  const hotline = await startHotline(stack.env, { now: MORNING, nodeArgs, ownSession: !values['same-session'] });
  try {
    process.stderr.write(`${o.calls} calls at ${o.rate}/s (up to ${o.concurrency} at once), each ≈ 18 s: through the ARI application …\n`);
    const silence = path.join(stack.env.root, 'silence.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', silence, 'trim', '0', '1']);
    if (values.steps) {
      const rates = values.steps.split(',').map(Number);
      const duration = Number(values.duration);
      // A fresh application per step: its event loop and ARI figures are that step's alone.
      await hotline.stop();
      const phase = async (rate: number, which: 'application' | 'dialplan') => {
        const load = { calls: Math.round(rate * duration), rate, concurrency: Math.round(rate * 25) };
        if (which === 'dialplan') return runPhase(stack, which, DIALPLAN_NUMBER, load, null, silence);
        const app = await startHotline(stack.env, { now: MORNING, ownSession: !values['same-session'] });
        try {
          await settled(app.pid, say);
          const r = await runPhase(stack, which, APP_NUMBER, load, app.pid, silence);
          process.stderr.write(`${rate}/s, the application's view:\n${await appProfile(stack)}\n`);
          return r;
        } finally {
          await app.stop();
        }
      };
      process.stdout.write(await runSteps(rates, phase));
      return;
    }
    await settled(hotline.pid, say);
    const app = await runPhase(stack, 'application', APP_NUMBER, o, hotline.pid, silence);
    process.stderr.write('… and through the same menu in plain dialplan …\n');
    const plain = await runPhase(stack, 'dialplan', DIALPLAN_NUMBER, o, null, silence);
    process.stdout.write(`\nmenu benchmark: ${o.calls} calls, ${o.rate} calls/s, on ${new Date().toISOString()}\n\n${table(app, plain)}\n`);
    process.stdout.write(`\nthe application's view:\n${await appProfile(stack)}\n`);
    const errors = hotline.errors();
    if (errors.length > 0) {
      process.stdout.write(`\napplication errors during the run: ${errors.length}\n`);
      for (const e of errors.slice(0, 5)) process.stdout.write(`  ${JSON.stringify(e).slice(0, 1500)}\n`);
    }
  } finally {
    await hotline.stop();
    await stack.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
