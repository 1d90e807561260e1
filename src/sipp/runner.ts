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
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOOPBACK, freeUdpPort, freeUdpPortBlock } from './ports.ts';
import { MARKER, type Scenario } from './scenario.ts';

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

export interface SippEvent {
  /** Marker name: invite, ringing, answered, dtmf, speak, hangup, bye-received, cancelled, rejected, … */
  name: string;
  /** What follows the name: the keys for dtmf, the code for rejected, the caller for a UAS invite. */
  detail: string;
  /** SIPp's call number (1, 2, … in the order calls started). */
  call: number;
  /** Wall-clock time, ms since the epoch (SIPp's [timestamp], microsecond resolution). */
  atMs: number;
  /** atMs relative to when the runner started SIPp. */
  sinceStartMs: number;
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

export interface WaitForEventOptions {
  timeoutMs?: number;
  call?: number;
  detail?: string | RegExp;
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

/** Answers requests that belong to no call of a UAC (an OPTIONS qualify, a stray NOTIFY) with 200. */
const OUT_OF_CALL_SCENARIO = `<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="out-of-call">
  <recv request="OPTIONS|NOTIFY|INFO|MESSAGE" regexp_match="true"/>
  <send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>
</scenario>
`;

// ------------------------------------------------------------------ child tracking

const live = new Set<ChildProcess>();
const handles = new Set<SippProcess>();
let hooksInstalled = false;

function killAllNow(): void {
  for (const child of live) {
    try {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAllNow();
      // Were we the only listener, keep the default behaviour: die of the signal.
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    });
  }
}

/** SIPp processes started by this Node process and still running (their pids). */
export function runningSippPids(): number[] {
  return [...live].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

// ------------------------------------------------------------------ helpers

/** Whether `pid` has a UDP socket bound to `port` (Linux /proc); undefined if /proc cannot tell. */
function bindsUdpPort(pid: number, port: number): boolean | undefined {
  let inodes: Set<string>;
  try {
    inodes = new Set(
      readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
          return m ? [m[1]!] : [];
        } catch {
          return [];
        }
      }),
    );
  } catch {
    return undefined;
  }
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      const inode = cols[9];
      if (!local || !inode) continue;
      if (parseInt(local.slice(local.lastIndexOf(':') + 1), 16) === port && inodes.has(inode)) return true;
    }
  }
  return false;
}

export function parseEventLine(line: string, startMs: number): SippEvent | undefined {
  if (!line.startsWith(`${MARKER}|`)) return undefined;
  const parts = line.split('|');
  if (parts.length < 5) return undefined;
  const stamp = parts[2]!.trim().split(/\s+/).pop() ?? '';
  const atMs = Math.round(parseFloat(stamp) * 1e6) / 1e3;
  if (!Number.isFinite(atMs)) return undefined;
  return {
    call: Number(parts[1]),
    atMs,
    sinceStartMs: Math.round((atMs - startMs) * 1000) / 1000,
    name: parts[3]!,
    detail: parts.slice(4).join('|').trim(),
  };
}

/** Cumulative successful and failed calls from SIPp's statistics screen. */
export function parseCallCounts(screen: string): { successful: number; failed: number } {
  const last = (re: RegExp) => {
    let value = 0;
    for (const m of screen.matchAll(re)) value = Number(m[1]);
    return value;
  };
  return {
    successful: last(/Successful call\s*\|\s*\d+\s*\|\s*(\d+)/g),
    failed: last(/Failed call\s*\|\s*\d+\s*\|\s*(\d+)/g),
  };
}

function readIfExists(path: string, maxBytes = 4 * 1024 * 1024): string | undefined {
  if (!existsSync(path)) return undefined;
  const data = readFileSync(path);
  return data.subarray(Math.max(0, data.length - maxBytes)).toString('utf8');
}

class Tail {
  private text = '';
  constructor(private readonly max: number) {}
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.max * 2) this.text = this.text.slice(-this.max);
  }
  value(): string {
    return this.text.slice(-this.max);
  }
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

// ------------------------------------------------------------------ runSipp

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
  const events: SippEvent[] = [];
  const waiters = new Set<{ match: (e: SippEvent) => boolean; resolve: (e: SippEvent) => void; reject: (err: Error) => void }>();
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
  const paths = {
    scenario: join(workDir, 'scenario.xml'),
    log: join(workDir, 'events.log'),
    messages: join(workDir, 'messages.log'),
    errors: join(workDir, 'errors.log'),
    screen: join(workDir, 'screen.log'),
    outOfCall: join(workDir, 'out-of-call.xml'),
  };
  let command = '';
  let scenarioXml = '';

  const emit = (event: SippEvent) => {
    events.push(event);
    for (const w of waiters) {
      if (w.match(event)) {
        waiters.delete(w);
        w.resolve(event);
      }
    }
  };

  // Follow the marker log while SIPp runs (SIPp flushes each line).
  let logOffset = 0;
  let partial = '';
  let reading: Promise<void> = Promise.resolve();
  const readLog = () => {
    reading = reading.then(async () => {
      let handle;
      try {
        handle = await open(paths.log, 'r');
      } catch {
        return;
      }
      try {
        for (;;) {
          const buffer = Buffer.alloc(64 * 1024);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, logOffset);
          if (bytesRead === 0) break;
          logOffset += bytesRead;
          partial += buffer.subarray(0, bytesRead).toString('utf8');
          const lines = partial.split('\n');
          partial = lines.pop() ?? '';
          for (const line of lines) {
            const event = parseEventLine(line, startMs);
            if (event) emit(event);
          }
        }
      } finally {
        await handle.close();
      }
    });
    return reading;
  };
  const poll = setInterval(() => void readLog(), 50);
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
    await readLog();
    if (partial) {
      const event = parseEventLine(partial, startMs);
      if (event) emit(event);
      partial = '';
    }
    const screenFile = readIfExists(paths.screen);
    const screen = (screenFile ?? stdout.value()).replace(ANSI, '');
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
      events: [...events],
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
    for (const w of waiters) w.reject(new Error(`SIPp exited (code ${exitCode}) before the awaited event; events: ${events.map((e) => e.name).join(', ')}`));
    waiters.clear();
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
    const args: string[] = [];
    if (options.remote) args.push(options.remote);
    args.push(
      '-sf', paths.scenario,
      '-i', LOOPBACK, '-p', String(options.localPort), '-bind_local',
      '-mi', LOOPBACK, '-mp', String(mediaPort),
      '-ci', LOOPBACK, '-cp', String(controlPort),
      '-nostdin', '-aa',
      '-timeout', `${timeoutS}s`, '-timeout_error',
      '-trace_logs', '-log_file', paths.log,
      '-trace_err', '-error_file', paths.errors,
      '-trace_screen', '-screen_file', paths.screen,
    );
    // A UAC makes its calls and exits after -m; a UAS scenario counts INVITEs and stops itself
    // (see renderUas), since SIPp in server mode would count out-of-call requests against -m.
    if (scenario.role === 'uac') args.push('-m', String(calls), '-oocsf', paths.outOfCall);
    if (options.traceMessages !== false) args.push('-trace_msg', '-message_file', paths.messages);
    if (options.rate !== undefined) args.push('-r', String(options.rate));
    if (options.ratePeriodMs !== undefined) args.push('-rp', String(options.ratePeriodMs));
    if (options.maxConcurrent !== undefined) args.push('-l', String(options.maxConcurrent));
    args.push(...(options.extraArgs ?? []));
    const sipp = options.sippPath ?? 'sipp';
    command = [sipp, ...args].join(' ');
    if (stopped) {
      await finish(null, null, new Error('stopped before SIPp started'));
      return;
    }

    const proc = spawn(sipp, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    if (proc.pid !== undefined) live.add(proc);
    proc.stdout?.on('data', (d: Buffer) => stdout.push(d));
    proc.stderr?.on('data', (d: Buffer) => stderr.push(d));
    let spawnError: Error | undefined;
    proc.on('error', (err) => {
      spawnError = err;
      // Not started at all (e.g. ENOENT): no 'close' is promised.
      if (proc.pid === undefined) void finish(null, null, err);
    });
    proc.on('close', (code, signal) => {
      live.delete(proc);
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
    events: () => [...events],
    waitForEvent(name, waitOptions = {}) {
      const { timeoutMs = 30_000, call, detail } = waitOptions;
      const match = (e: SippEvent) =>
        e.name === name &&
        (call === undefined || e.call === call) &&
        (detail === undefined || (typeof detail === 'string' ? e.detail === detail : detail.test(e.detail)));
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      if (exited) return Promise.reject(new Error(`SIPp has exited without event ${name}`));
      return new Promise<SippEvent>((resolve, reject) => {
        const waiter = {
          match,
          resolve: (e: SippEvent) => {
            clearTimeout(timer);
            resolve(e);
          },
          reject: (err: Error) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no SIPp event ${name} within ${timeoutMs} ms; events: ${events.map((e) => e.name).join(', ')}`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
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
