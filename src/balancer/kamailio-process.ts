import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Logger } from '../logging/logger.ts';
import type { RenderedBalancerConfig } from './render-config.ts';
import { sipPing } from './sip-ping.ts';

export interface KamailioProcess {
  pid: number;
  /** Resolves when the process ends, with its exit code. */
  exited: Promise<number | null>;
  /** Everything Kamailio printed (its log goes to stderr), newest last, bounded. */
  output(): string[];
  stop(): Promise<void>;
}

export interface KamailioOptions {
  binary: string;
  rendered: RenderedBalancerConfig;
  sipHost: string;
  sipPort: number;
  log: Logger;
  /** Run in a process group of its own (for the service; see asterisk-process.ts). */
  ownProcessGroup?: boolean;
  readyTimeoutMs?: number;
}

const KEEP_LINES = 2000;

/** Process groups to kill if this process exits without stopping them (tests that crash). */
const owned = new Set<number>();
process.once('exit', () => {
  for (const pid of owned) signalGroup(pid, 'SIGKILL');
});

/**
 * Starts Kamailio in the foreground (-DD: it still forks its workers, all in
 * its process group) and waits until it answers SIP OPTIONS on its port.
 * stop() sends SIGTERM to that group, then SIGKILL.
 */
export async function startKamailio(o: KamailioOptions): Promise<KamailioProcess> {
  // Check the configuration first: its errors are clearer than a failed start.
  const args = ['-f', o.rendered.cfgFile, '-P', path.join(o.rendered.runtimeDir, 'kamailio.pid'), '-Y', o.rendered.runtimeDir, '-m', '64', '-M', '8'];
  const check = spawn(o.binary, [...args, '-c'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let checkOut = '';
  check.stderr!.on('data', (c: Buffer) => (checkOut += c.toString('utf8')));
  const checkCode = await new Promise<number | null>((resolve, reject) => {
    check.once('error', reject);
    check.once('exit', resolve);
  });
  if (checkCode !== 0) throw new Error(`kamailio rejects ${o.rendered.cfgFile}:\n${checkOut.split('\n').filter((l) => /ERROR|CRITICAL|error/.test(l)).join('\n') || checkOut}`);

  const child = spawn(o.binary, [...args, '-DD', '-E'], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  const lines: string[] = [];
  let partial = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    partial += chunk.toString('utf8');
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      // Its workers' normal exits at a stop are printed as ALERT too: not worth a warning.
      if (/ERROR|CRITICAL|ALERT/.test(line) && !/exited normally/.test(line)) o.log.warn({ source: 'kamailio' }, line.trim());
    }
    if (lines.length > KEEP_LINES) lines.splice(0, lines.length - KEEP_LINES);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`cannot start ${o.binary}: no process id`);
  let dead = false;
  void exited.then(() => (dead = true));
  // Its own group either way, so stop() reaches the workers; the service's Kamailio
  // outlives a launcher that dies, a test's does not.
  if (!o.ownProcessGroup) owned.add(pid);
  void exited.then(() => owned.delete(pid));

  const stop = async () => {
    if (dead) return;
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    // Workers that outlived the main process (they should not) go too.
    signalGroup(pid, 'SIGKILL');
  };

  const deadline = Date.now() + (o.readyTimeoutMs ?? 15_000);
  for (;;) {
    if (dead) throw new Error(`kamailio exited during start-up:\n${lines.slice(-20).join('\n')}`);
    if ((await sipPing(o.sipHost, o.sipPort, 300)) === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`kamailio did not answer SIP OPTIONS on ${o.sipHost}:${o.sipPort}:\n${lines.slice(-20).join('\n')}`);
    }
  }
  o.log.info({ pid, sip: `${o.sipHost}:${o.sipPort}` }, 'kamailio started');
  return { pid, exited, output: () => [...lines], stop };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is gone
  }
}
