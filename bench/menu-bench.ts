/**
 * `npm run bench`: loads the hotline with concurrent SIPp calls through the
 * menu on 127.0.0.1 and prints, side by side with the same menu written as
 * plain dialplan on the same Asterisk:
 *   - calls completed and failed,
 *   - answer → first prompt and key → next prompt (p50, p99), from Asterisk's log,
 *   - CPU seconds of the application and of Asterisk,
 * and the ratio of the two. Every call: greeting, main menu, key 9 (English),
 * the English prompts, hang-up.
 *
 *   npm run bench -- [--calls 40] [--rate 2] [--concurrency 60]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { LoadedConfig } from '../src/config/load-config.ts';
import type { PromptLibrary } from '../src/prompts/prompt-library.ts';
import { freeUdpPort, runSipp, uac } from '../tools/sipp/index.ts';
import { startHotline } from '../test/e2e/support/hotline-process.ts';
import { startStack, type Stack } from '../test/support/stack.ts';
import { channelTimings, firstPromptDelays, keyToPromptDelays, percentile } from './asterisk-log-timing.ts';

const MORNING = '2026-11-24T10:00:00+08:00';
const APP_NUMBER = '95158';
const DIALPLAN_NUMBER = '95159';

interface PhaseResult {
  name: string;
  completed: number;
  failed: number;
  firstPrompt: number[];
  keyToPrompt: number[];
  appCpuS: number | null;
  asteriskCpuS: number;
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
  const cpu0 = { app: appPid ? cpuSeconds(appPid) : 0, ast: cpuSeconds(stack.asterisk.pid) };
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
  const result = await sipp.done;
  const wallS = (Date.now() - started) / 1000;
  const cpu1 = { app: appPid ? cpuSeconds(appPid) : 0, ast: cpuSeconds(stack.asterisk.pid) };
  const log = readFileSync(logFile, 'utf8').slice(offset);
  const timings = [...channelTimings(log).values()];
  return {
    name,
    completed: result.successfulCalls,
    failed: result.failedCalls,
    firstPrompt: firstPromptDelays(timings),
    keyToPrompt: keyToPromptDelays(timings),
    appCpuS: appPid ? cpu1.app - cpu0.app : null,
    asteriskCpuS: cpu1.ast - cpu0.ast,
    wallS,
  };
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
    },
  });
  const o = { calls: Number(values.calls), rate: Number(values.rate), concurrency: Number(values.concurrency) };
  process.stderr.write(`starting a stack (PostgreSQL, Asterisk, the application) on 127.0.0.1 …\n`);
  const stack = await startStack({
    keep: Boolean(process.env.BENCH_KEEP),
    extraDialplan: (prompts: PromptLibrary, _c: LoadedConfig) => plainMenu(prompts),
    configure: (raw) => {
      raw.logLevel = 'info';
      raw.asterisk.rtpPortEnd = raw.asterisk.rtpPortStart + 1999;
      raw.asterisk.maxCalls = 1000;
    },
  });
  // The application logs at info, as in production.
  const hotline = await startHotline(stack.env, { now: MORNING });
  try {
    process.stderr.write(`${o.calls} calls at ${o.rate}/s (up to ${o.concurrency} at once), each ≈ 18 s: through the ARI application …\n`);
    const silence = path.join(stack.env.root, 'silence.wav');
    execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', silence, 'trim', '0', '1']);
    const app = await runPhase(stack, 'application', APP_NUMBER, o, hotline.pid, silence);
    process.stderr.write('… and through the same menu in plain dialplan …\n');
    const plain = await runPhase(stack, 'dialplan', DIALPLAN_NUMBER, o, null, silence);
    process.stdout.write(`\nmenu benchmark: ${o.calls} calls, ${o.rate} calls/s, on ${new Date().toISOString()}\n\n${table(app, plain)}\n`);
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
