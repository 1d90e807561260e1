/**
 * The SIPp children of this Node process: killed (by pid, SIGKILL) when it
 * exits or gets SIGINT/SIGTERM/SIGHUP, and listed for tests. Also whether a
 * child has bound its SIP port yet (Linux /proc).
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

const live = new Set<ChildProcess>();
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

/** Kill every tracked child when this process exits or is told to by a signal (installed once). */
export function installExitHooks(): void {
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

/** Track a spawned child until `untrackChild` (call it when it has exited). */
export function trackChild(child: ChildProcess): void {
  if (child.pid !== undefined) live.add(child);
}

export function untrackChild(child: ChildProcess): void {
  live.delete(child);
}

/** SIPp processes started by this Node process and still running (their pids). */
export function runningSippPids(): number[] {
  return [...live].flatMap((c) => (c.pid === undefined ? [] : [c.pid]));
}

/** Whether `pid` has a UDP socket bound to `port` (Linux /proc); undefined if /proc cannot tell. */
export function bindsUdpPort(pid: number, port: number): boolean | undefined {
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
