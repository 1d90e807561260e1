import { withinDeadline } from '../async/deadline.ts';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logging/logger.ts';

export interface AsteriskProcessOptions {
  binary: string;
  /** Generated asterisk.conf (see render-config.ts). */
  confFile: string;
  runtimeDir: string;
  ariUrl: string;
  ariUser: string;
  ariPassword: string;
  log: Logger;
  /** How long to wait for ARI to answer after start; default 30 s. */
  readyTimeoutMs?: number;
  /**
   * Run in a process group of its own, so a Ctrl-C or a signal to the starter's
   * group does not reach it: it stops only through stop(), and outlives a
   * starter that is killed (its dialplan keeps the emergency fallback; the next
   * start reuses it). For the service, not for tests.
   */
  ownProcessGroup?: boolean;
}

export interface AsteriskProcess {
  pid: number;
  /** True when an Asterisk already running from this runtime folder was reused. */
  reused: boolean;
  /** Resolves when the process ends, with its exit code (null when reused: not our child). */
  exited: Promise<number | null>;
  /** Runs an Asterisk CLI command (`asterisk -rx`) and returns its output. */
  cli(command: string): string;
  stop(): Promise<void>;
}

/**
 * Starts Asterisk as the project's own process and waits until ARI answers.
 * An Asterisk left running from the same runtime folder (for example after the
 * launcher itself crashed) is reused and reloaded instead of being killed, so
 * calls in progress on it survive.
 */
export async function startAsterisk(o: AsteriskProcessOptions): Promise<AsteriskProcess> {
  const cli = (command: string): string => {
    const r = spawnSync(o.binary, ['-C', o.confFile, '-rx', command], { encoding: 'utf8', timeout: 10_000 });
    return `${r.stdout ?? ''}${r.stderr ?? ''}`;
  };
  const running = runningPid(o.runtimeDir);
  if (running !== null) {
    o.log.warn({ pid: running }, 'reusing the Asterisk already running from this runtime folder; reloading its configuration');
    cli('core reload');
    await waitForAri(o, () => !isAlive(running));
    return { pid: running, reused: true, exited: pollExit(running), cli, stop: () => stopPid(running, cli, o.log) };
  }

  // Asterisk writes its own log (<runtime>/log/messages); its console copy on stdout is not needed.
  const child = spawn(o.binary, ['-C', o.confFile, '-f', '-n', '-q'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: o.ownProcessGroup ?? false,
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  pipeOutput(child, o.log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${o.binary}: no process id`);
  let dead = false;
  let stopping = false;
  void exited.then((code) => {
    dead = true;
    if (stopping) o.log.info({ pid, code }, 'asterisk stopped');
    else o.log.warn({ pid, code }, 'asterisk exited');
  });
  try {
    await waitForAri(o, () => dead);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  o.log.info({ pid, ari: o.ariUrl }, 'asterisk started');
  const stop = () => {
    stopping = true;
    return stopPid(pid, cli, o.log, exited);
  };
  return { pid, reused: false, exited, cli, stop };
}

/** Polls ARI until it answers 200, the process dies, or the deadline passes. */
async function waitForAri(o: AsteriskProcessOptions, hasDied: () => boolean): Promise<void> {
  const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
  const auth = 'Basic ' + Buffer.from(`${o.ariUser}:${o.ariPassword}`).toString('base64');
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (hasDied()) throw new Error(`asterisk exited during start-up; see ${path.join(o.runtimeDir, 'log', 'messages')}`);
    try {
      const res = await fetch(`${o.ariUrl}/ari/asterisk/info`, { headers: { authorization: auth }, signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
      last = `HTTP ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`ARI at ${o.ariUrl} did not answer within ${o.readyTimeoutMs ?? 30_000} ms (${last})`);
}

function pipeOutput(child: ChildProcess, log: Logger): void {
  child.stderr?.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      const text = line.trim();
      if (text) log.warn({ source: 'asterisk' }, text);
    }
  });
}

/** The pid in <runtime>/run/asterisk.pid when that process is alive and is Asterisk. */
export function runningPid(runtimeDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(runtimeDir, 'run', 'asterisk.pid'), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('asterisk') && cmdline.includes(runtimeDir) ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function pollExit(pid: number): Promise<null> {
  while (isAlive(pid)) await new Promise((r) => setTimeout(r, 500));
  return null;
}

/** Asks Asterisk to stop, then escalates to SIGTERM and SIGKILL on its pid. */
async function stopPid(pid: number, cli: (c: string) => string, log: Logger, exited?: Promise<unknown>): Promise<void> {
  if (!isAlive(pid)) return;
  cli('core stop now');
  const gone = async (ms: number) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!isAlive(pid) || (exited && (await withinDeadline(exited.then(() => true), 100, false)))) return true;
      if (!exited) await sleep(100);
    }
    return !isAlive(pid);
  };
  if (await gone(5000)) return;
  log.warn({ pid }, 'asterisk did not stop; sending SIGTERM');
  process.kill(pid, 'SIGTERM');
  if (await gone(3000)) return;
  process.kill(pid, 'SIGKILL');
  await gone(2000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
