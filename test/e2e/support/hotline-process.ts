import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../src/config/load-config.ts';
import type { E2eEnvironment } from './environment.ts';
import { killWithThisProcess } from '../../support/own-session-guard.ts';

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

export interface HotlineProcess {
  pid: number;
  /** Every JSON log line the application printed so far. */
  lines: LogLine[];
  /** Resolves when a log line matching `predicate` appears (checks earlier lines too). */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Lines at error level or above. */
  errors(): LogLine[];
  /** SIGTERM and wait (graceful stop). */
  stop(): Promise<void>;
  /** SIGKILL: the application dies as in a crash. */
  kill(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts the hotline application (src/main.ts) as its own process against
 * the e2e Asterisk and PostgreSQL, with the clock set to `now` (HOTLINE_NOW),
 * and waits until it is ready.
 */
export async function startHotline(
  env: E2eEnvironment,
  o: { now: string; extraEnv?: Record<string, string>; nodeArgs?: string[]; ownSession?: boolean },
): Promise<HotlineProcess> {
  // nodeArgs: flags for Node itself (a benchmark's --cpu-prof; NODE_OPTIONS refuses that one).
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'main.ts')], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // ownSession: a session of its own, as a service runs (see StackOptions.ownSession).
    detached: o.ownSession ?? false,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOTLINE_CONFIG: env.configFile,
      HOTLINE_DATABASE_URL: env.databaseUrl,
      HOTLINE_ARI_PASSWORD: env.ariPassword,
      HOTLINE_ADMIN_TOKEN: env.adminToken,
      HOTLINE_NOW: o.now,
      ...o.extraEnv,
    },
  });
  running.add(child);
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const text = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        lines.push(JSON.parse(text) as LogLine);
      } catch {
        lines.push({ level: 30, msg: text });
      }
      for (const w of [...waiters]) w();
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  // In a session of its own it misses the terminal's Ctrl-C: killed with this process instead.
  const unguard = o.ownSession && child.pid ? killWithThisProcess(child.pid) : () => {};
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      unguard();
      running.delete(child);
      for (const w of [...waiters]) w();
      resolve(code);
    }),
  );

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 20_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const hit = lines.find(predicate);
        if (hit) {
          done();
          resolve(hit);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(new Error(`hotline exited (${child.exitCode ?? child.signalCode}) before the expected log line\n${stderr}\n${tail(lines)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no matching log line within ${timeoutMs} ms\n${tail(lines)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  const handle: HotlineProcess = {
    pid: child.pid!,
    lines,
    waitForLog,
    errors: () => lines.filter((l) => l.level >= 50),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
  try {
    await waitForLog((l) => l.msg === 'hotline ready', 60_000);
  } catch (err) {
    await handle.kill();
    throw err;
  }
  return handle;
}

function tail(lines: LogLine[], n = 30): string {
  return lines
    .slice(-n)
    .map((l) => JSON.stringify(l))
    .join('\n');
}
