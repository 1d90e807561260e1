/**
 * Runs SIPp as a child process in the foreground, on 127.0.0.1 only, and
 * reports what happened: exit code, call counts, the timed markers the
 * scenario wrote, and the SIP trace.
 *
 *   const phone = runSipp({ scenario: uas().answer().waitForHangup(30_000), localPort: 5091, timeoutMs: 60_000 });
 *   await phone.ready;                       // listening on 127.0.0.1:5091
 *   const caller = runSipp({ scenario: uac({ to: '95158', from: '13812345678' }).dtmf('1').hangup(),
 *                            remote: '127.0.0.1:5060', localPort: await freeUdpPort(), timeoutMs: 30_000 });
 *   const result = await caller.done;        // { ok, exitCode, successfulCalls, events, messages, … }
 *
 * Every SIPp started here is killed (by pid) when this Node process exits, and
 * each one also ends by itself after its own timeout (SIPp -timeout), so none
 * outlives a test even if Node is killed hard.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort, freeUdpPortBlock } from './ports.ts';
import { bindsUdpPort, installExitHooks, trackChild, untrackChild } from './process-tracking.ts';
import { OUT_OF_CALL_SCENARIO, runPaths, sippArgs } from './runner-command.ts';
import { EventLog, Tail, parseCallCounts, readIfExists, stripAnsi, type SippEvent, type WaitForEventOptions } from './runner-logs.ts';
import type { Scenario } from './scenario.ts';

export type { SippEvent, WaitForEventOptions } from './runner-logs.ts';
export { runningSippPids } from './process-tracking.ts';

export interface RunSippOptions {
  scenario: Scenario;
  /** 'host:port' to call (required for a UAC scenario). */
  remote?: string;
  /** The SIP port SIPp binds on 127.0.0.1 (a phone's contact port; for a caller, `await freeUdpPort()`). */
  localPort: number;
  /** First of SIPp's media ports (it binds this one and the one two above). Default: a free block. */
  mediaPort?: number;
  /** Calls to handle before exiting. Default: the scenario's (1, or the number of uasCalls scripts).
   * A UAC places them (SIPp -m); a UAS stops itself gracefully after this many INVITEs and ignores
   * any later INVITE (no answer at all, like an unreachable phone). */
  calls?: number;
  /** UAC load: calls per `ratePeriodMs` (SIPp -r, default 10) and at most `maxConcurrent` at once (-l). */
  rate?: number;
  ratePeriodMs?: number;
  maxConcurrent?: number;
  /** SIPp ends itself after this long (rounded up to whole seconds) as a failure; the runner kills it 5 s later. */
  timeoutMs: number;
  /** Where the scenario, pcaps and logs go. Default: a new temp directory, removed when the run is over
   * (the result keeps the messages, errors, events and scenario XML). A given workDir is left alone. */
  workDir?: string;
  /** Keep the temp workDir (default false; or set SIPP_KEEP_WORKDIR=1 in the environment). */
  keepWorkDir?: boolean;
  /** Trace SIP messages into messages.log and return them (default true; turn off for load). */
  traceMessages?: boolean;
  /** Further SIPp arguments. */
  extraArgs?: string[];
  /** The sipp executable (default 'sipp' on PATH). */
  sippPath?: string;
}

export interface SippResult {
  /** SIPp's exit code: 0 all calls succeeded, 1 some failed, 97 stopped, 99 no calls, 255 fatal (also its own
   * timeout), 254 could not bind; null if killed by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** SIPp exited with 0 by itself: every call succeeded. */
  ok: boolean;
  successfulCalls: number;
  failedCalls: number;
  events: SippEvent[];
  /** The SIP messages sent and received (if traced). */
  messages?: string;
  /** SIPp's error trace: unexpected messages, aborted calls. */
  errors?: string;
  stderr: string;
  /** The last screen SIPp printed (statistics). */
  screen: string;
  /** stop() was called while SIPp ran (ok is then false whatever the exit code). */
  stopped: boolean;
  /** SIPp hit its timeout or the runner had to kill it. */
  timedOut: boolean;
  durationMs: number;
  workDir: string;
  /** The command line, for reproducing by hand (its files are gone unless the workDir was kept). */
  command: string;
  /** The scenario SIPp ran. */
  scenarioXml: string;
}

export interface SippProcess {
  /** The pid once spawned. */
  readonly pid: number | undefined;
  readonly localPort: number;
  /** Resolves once SIPp listens on its SIP port (rejects if it exits or fails to start first). */
  readonly ready: Promise<void>;
  /** Resolves (never rejects) when SIPp has exited and its logs are read. */
  readonly done: Promise<SippResult>;
  /** Events seen so far (the log is followed while SIPp runs). */
  events(): SippEvent[];
  /** Resolves with the first event named `name` (already seen or still to come); rejects on timeout or exit. */
  waitForEvent(name: string, options?: WaitForEventOptions): Promise<SippEvent>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 2000); resolves with the result. */
  stop(graceMs?: number): Promise<SippResult>;
}

/** Runs not finished yet, for stopAllSipp(). */
const handles = new Set<SippProcess>();

export function runSipp(options: RunSippOptions): SippProcess {
  installExitHooks();
  if (options.scenario.role === 'uac' && !options.remote) throw new Error('runSipp: a UAC scenario needs remote host:port');
  if (!Number.isInteger(options.localPort) || options.localPort <= 0) throw new Error('runSipp: localPort is required');
  if (!(options.timeoutMs > 0)) throw new Error('runSipp: timeoutMs is required');

  let child: ChildProcess | undefined;
  let stopped = false;
  let stopRequested = false;
  let killedByRunner = false;
  let exited = false;
  const startMs = Date.now();
  const stderr = new Tail(64 * 1024);
  const stdout = new Tail(64 * 1024);

  let resolveReady!: () => void;
  let rejectReady!: (err: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  ready.catch(() => {}); // callers who do not await ready must not see an unhandled rejection

  const createdDir = !options.workDir;
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'sipp-'));
  const paths = runPaths(workDir);
  let command = '';
  let scenarioXml = '';

  // Follow the marker log while SIPp runs.
  const log = new EventLog(paths.log, startMs);
  const poll = setInterval(() => void log.read(), 50);
  poll.unref();

  let resolveDone!: (r: SippResult) => void;
  const done = new Promise<SippResult>((resolve) => (resolveDone = resolve));

  let watchdog: NodeJS.Timeout | undefined;

  let finished = false;
  const finish = async (exitCode: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
    if (finished) return;
    finished = true;
    exited = true;
    handles.delete(handle);
    clearInterval(poll);
    if (watchdog) clearTimeout(watchdog);
    await log.close(`SIPp exited (code ${exitCode}) before the awaited event`);
    const events = log.events();
    const screenFile = readIfExists(paths.screen);
    const screen = stripAnsi(screenFile ?? stdout.value());
    const counts = parseCallCounts(screen);
    // A UAS counts each out-of-call request it answered as a successful call: leave those out.
    const outOfCall = events.filter((e) => e.name === 'out-of-call').length;
    const errText = stderr.value() + (spawnError ? `\n${spawnError.message}` : '');
    const result: SippResult = {
      exitCode,
      signal,
      ok: exitCode === 0 && !stopRequested,
      successfulCalls: Math.max(0, counts.successful - outOfCall),
      failedCalls: counts.failed,
      events,
      stderr: errText,
      screen,
      stopped: stopRequested,
      timedOut: killedByRunner || /timed out after/.test(errText),
      durationMs: Date.now() - startMs,
      workDir,
      command,
      scenarioXml,
    };
    const messages = readIfExists(paths.messages);
    if (messages !== undefined) result.messages = messages;
    const errors = readIfExists(paths.errors);
    if (errors !== undefined) result.errors = errors;
    rejectReady(new Error(`SIPp exited (code ${exitCode}${signal ? `, ${signal}` : ''}) before listening: ${errText.trim().slice(-500)}`));
    if (createdDir && !options.keepWorkDir && !process.env['SIPP_KEEP_WORKDIR']) rmSync(workDir, { recursive: true, force: true });
    resolveDone(result);
  };

  const kill = (graceMs: number) => {
    if (!child || child.pid === undefined || exited) return;
    const pid = child.pid;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      if (!exited) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
      }
    }, graceMs);
    timer.unref();
  };

  const start = async () => {
    const scenario = options.scenario;
    const mediaPort = options.mediaPort ?? (await freeUdpPortBlock());
    const controlPort = await freeUdpPort();
    mkdirSync(workDir, { recursive: true });
    const calls = options.calls ?? scenario.calls;
    const built = scenario.build(workDir, { calls });
    scenarioXml = built.xml;
    writeFileSync(paths.scenario, built.xml);
    for (const file of built.files) writeFileSync(join(workDir, file.name), file.data);
    if (scenario.role === 'uac') writeFileSync(paths.outOfCall, OUT_OF_CALL_SCENARIO);

    const timeoutS = Math.max(1, Math.ceil(options.timeoutMs / 1000));
    const args = sippArgs({
      role: scenario.role,
      paths,
      ...(options.remote ? { remote: options.remote } : {}),
      localPort: options.localPort,
      mediaPort,
      controlPort,
      calls,
      timeoutS,
      traceMessages: options.traceMessages !== false,
      ...(options.rate !== undefined ? { rate: options.rate } : {}),
      ...(options.ratePeriodMs !== undefined ? { ratePeriodMs: options.ratePeriodMs } : {}),
      ...(options.maxConcurrent !== undefined ? { maxConcurrent: options.maxConcurrent } : {}),
      ...(options.extraArgs ? { extraArgs: options.extraArgs } : {}),
    });
    const sipp = options.sippPath ?? 'sipp';
    command = [sipp, ...args].join(' ');
    if (stopped) {
      await finish(null, null, new Error('stopped before SIPp started'));
      return;
    }

    const proc = spawn(sipp, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    trackChild(proc);
    proc.stdout?.on('data', (d: Buffer) => stdout.push(d));
    proc.stderr?.on('data', (d: Buffer) => stderr.push(d));
    let spawnError: Error | undefined;
    proc.on('error', (err) => {
      spawnError = err;
      // Not started at all (e.g. ENOENT): no 'close' is promised.
      if (proc.pid === undefined) void finish(null, null, err);
    });
    proc.on('close', (code, signal) => {
      untrackChild(proc);
      void finish(code, signal, spawnError);
    });
    watchdog = setTimeout(() => {
      killedByRunner = true;
      kill(2000);
    }, timeoutS * 1000 + 5000);
    watchdog.unref();

    // Ready once the SIP socket is bound (checked in /proc); elsewhere, at the first screen output.
    const pid = proc.pid;
    if (pid === undefined) return;
    const check = () => {
      if (exited) return;
      const bound = bindsUdpPort(pid, options.localPort);
      if (bound === true) resolveReady();
      else if (bound === undefined) proc.stdout?.once('data', () => resolveReady());
      else setTimeout(check, 20);
    };
    check();
  };

  start().catch((err: unknown) => {
    const error = err instanceof Error ? err : new Error(String(err));
    void finish(null, null, error);
  });

  const handle: SippProcess = {
    get pid() {
      return child?.pid;
    },
    localPort: options.localPort,
    ready,
    done,
    events: () => log.events(),
    waitForEvent: (name, waitOptions) => log.waitFor(name, waitOptions),
    stop(graceMs = 2000) {
      if (!exited) stopRequested = true;
      stopped = true;
      kill(graceMs);
      return done;
    },
  };
  handles.add(handle);
  return handle;
}

/** Stop every SIPp this process started and still runs (for test teardown); resolves when all have exited. */
export async function stopAllSipp(graceMs = 2000): Promise<SippResult[]> {
  return Promise.all([...handles].map((h) => h.stop(graceMs)));
}
