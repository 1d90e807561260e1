/**
 * Throwaway PostgreSQL clusters for tests: initdb into a fresh temp folder and
 * run the server as a separate process on 127.0.0.1 and a free port. Never the
 * system cluster.
 *
 *   const pgc = await startPgCluster();
 *   try { … pgc.url … } finally { await pgc.stop(); }
 *
 * stopPg / startPg take the server away and bring it back (same data, same
 * port); pausePg / resumePg freeze it (SIGSTOP) so that connections hang
 * instead of being refused.
 *
 * As root (the test machines), initdb and postgres refuse to run, so every
 * PostgreSQL command runs as the `postgres` system user through runuser and the
 * temp folder belongs to that user.
 *
 * Nothing may outlive the test process: stop() in afterAll/finally; in
 * addition a process 'exit' handler and SIGINT/SIGTERM/SIGHUP handlers (Vitest
 * ends its fork workers with SIGTERM) stop the clusters still running, and a
 * small detached watchdog per cluster stops it if the test process is killed
 * with SIGKILL.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';

export interface PgCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication). */
  url: string;
  port: number;
  /** The cluster's data directory (PGDATA). */
  dataDir: string;
  /** Temp folder holding dataDir, the Unix socket and the server log; removed by stop(). */
  baseDir: string;
  logFile: string;
  /** Stops the server (if running) and removes every file. Safe to call twice. */
  stop(): Promise<void>;
}

interface ClusterState {
  cluster: PgCluster;
  running: boolean;
  paused: boolean;
  removed: boolean;
  watchdogPid: number | undefined;
}

let binDirCache: string | undefined;
let runUserCache: { name: string; uid: number; gid: number } | null | undefined;
const binDir = (): string => (binDirCache ??= findBinDir());
const runUser = (): { name: string; uid: number; gid: number } | undefined =>
  (runUserCache ??= resolveRunUser() ?? null) ?? undefined;

/** Shared by every copy of this module in the process (test isolation may load it more than once). */
const registry: Map<PgCluster, ClusterState> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('gas-hotline.test.pgClusters')
] ??= installExitHandlers(new Map())) as Map<PgCluster, ClusterState>;

export async function startPgCluster(): Promise<PgCluster> {
  const baseDir = mkdtempSync(join(tmpdir(), 'hotline-pg-'));
  const dataDir = join(baseDir, 'data');
  const logFile = join(baseDir, 'server.log');
  let state: ClusterState | undefined;
  try {
    const user = runUser();
    if (user) chownSync(baseDir, user.uid, user.gid);
    await run('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'], baseDir);

    // Another process may take the free port before postgres binds it: try a few.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const cluster: PgCluster = {
        url: `postgres://postgres@127.0.0.1:${port}/postgres`,
        port,
        dataDir,
        baseDir,
        logFile,
        stop: () => removeCluster(cluster),
      };
      state = { cluster, running: false, paused: false, removed: false, watchdogPid: undefined };
      registry.set(cluster, state);
      try {
        await pgCtlStart(state);
        state.watchdogPid = startWatchdog(state);
        return cluster;
      } catch (err) {
        registry.delete(cluster);
        if (attempt < 3 && /could not bind|address already in use/i.test(readLog(logFile))) continue;
        throw err;
      }
    }
  } catch (err) {
    if (state?.running) stopSync(state);
    rmSync(baseDir, { recursive: true, force: true });
    throw err;
  }
}

/** Takes the server away (pg_ctl stop -m fast: open connections get 57P01); data and port stay. */
export async function stopPg(cluster: PgCluster): Promise<void> {
  const state = stateOf(cluster);
  if (!state.running) return;
  if (state.paused) resumeSync(state);
  await run('pg_ctl', ['-D', cluster.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'], cluster.baseDir);
  state.running = false;
}

/**
 * pg_ctl stop/start of a cluster started by another process (the e2e global
 * set-up), from its folders and port: the registry of this process does not
 * know it. The owner's exit handlers still stop it at the end.
 */
export async function pgCtlByPath(c: Pick<PgCluster, 'dataDir' | 'baseDir' | 'logFile' | 'port'>, action: 'stop' | 'start'): Promise<void> {
  if (action === 'stop') {
    await run('pg_ctl', ['-D', c.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'], c.baseDir);
    return;
  }
  const serverOptions = [`-k ${c.baseDir}`, `-p ${c.port}`, '-h 127.0.0.1', '-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'].join(' ');
  await run('pg_ctl', ['-D', c.dataDir, '-l', c.logFile, '-o', serverOptions, '-w', '-t', '30', 'start'], c.baseDir);
}

/** Brings a server stopped with stopPg back on the same port and data. */
export async function startPg(cluster: PgCluster): Promise<void> {
  const state = stateOf(cluster);
  if (state.running) return;
  try {
    await pgCtlStart(state);
  } catch (err) {
    if (/could not bind|address already in use/i.test(readLog(cluster.logFile))) {
      throw new Error(`startPg: port ${cluster.port} was taken by another process while the cluster was stopped`, {
        cause: err,
      });
    }
    throw err;
  }
}

/**
 * Freezes the server and its backends with SIGSTOP: TCP connects still
 * succeed (kernel backlog) but nothing answers, as with a hung host.
 */
export function pausePg(cluster: PgCluster): void {
  const state = stateOf(cluster);
  if (!state.running || state.paused) return;
  const pids = serverPids(state);
  for (const pid of pids) signal(pid, 'SIGSTOP');
  state.paused = true;
}

export function resumePg(cluster: PgCluster): void {
  const state = stateOf(cluster);
  if (state.paused) resumeSync(state);
}

/** Clusters of this process that are still registered (started and not yet stop()ped). */
export function runningPgClusters(): PgCluster[] {
  return [...registry.values()].filter((s) => !s.removed).map((s) => s.cluster);
}

// ---------------------------------------------------------------------------

function stateOf(cluster: PgCluster): ClusterState {
  const state = registry.get(cluster);
  if (!state || state.removed) throw new Error(`PostgreSQL cluster ${cluster.baseDir} was already stopped and removed`);
  return state;
}

async function pgCtlStart(state: ClusterState): Promise<void> {
  const c = state.cluster;
  const serverOptions = [
    `-k ${c.baseDir}`,
    `-p ${c.port}`,
    '-h 127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
  ].join(' ');
  state.running = true; // from here on the exit handlers try to stop it
  try {
    await run('pg_ctl', ['-D', c.dataDir, '-l', c.logFile, '-o', serverOptions, '-w', '-t', '30', 'start'], c.baseDir);
  } catch (err) {
    // pg_ctl may have given up waiting while the postmaster still runs.
    stopSync(state);
    throw new Error(`${(err as Error).message}\n--- server log ---\n${readLog(c.logFile).slice(-4000)}`, { cause: err });
  }
}

async function removeCluster(cluster: PgCluster): Promise<void> {
  const state = registry.get(cluster);
  if (!state || state.removed) return;
  try {
    if (state.running) {
      if (state.paused) resumeSync(state);
      await run('pg_ctl', ['-D', cluster.dataDir, '-m', 'fast', '-w', '-t', '30', 'stop'], cluster.baseDir).catch(
        () => stopSync(state), // fall back to an immediate shutdown
      );
      state.running = false;
    }
  } finally {
    killWatchdog(state);
    rmSync(cluster.baseDir, { recursive: true, force: true });
    state.removed = true;
    registry.delete(cluster);
  }
}

/** Synchronous immediate shutdown for exit paths; never throws. */
function stopSync(state: ClusterState): void {
  const c = state.cluster;
  try {
    if (state.paused) resumeSync(state);
    if (existsSync(join(c.dataDir, 'postmaster.pid'))) {
      spawnSync(...command('pg_ctl', ['-D', c.dataDir, '-m', 'immediate', '-w', '-t', '10', 'stop']), {
        cwd: c.baseDir,
        stdio: 'ignore',
        timeout: 15_000,
      });
    }
  } catch {
    // best effort
  }
  state.running = false;
}

function resumeSync(state: ClusterState): void {
  for (const pid of serverPids(state)) signal(pid, 'SIGCONT');
  state.paused = false;
}

/** The postmaster (from postmaster.pid) and its children (from /proc). */
function serverPids(state: ClusterState): number[] {
  const pidFile = join(state.cluster.dataDir, 'postmaster.pid');
  let postmaster: number;
  try {
    postmaster = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  } catch {
    return [];
  }
  if (!Number.isInteger(postmaster) || postmaster <= 0) return [];
  const pids = [postmaster];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …; comm may contain spaces, so parse after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === postmaster) pids.push(Number(entry));
    } catch {
      // process ended meanwhile
    }
  }
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/**
 * A detached shell that waits for this process to end and then stops the
 * cluster and removes its files: covers SIGKILL, where no handler runs. It
 * is killed (by its process group id) when the cluster is stopped normally.
 */
function startWatchdog(state: ClusterState): number | undefined {
  const c = state.cluster;
  const [bin, args] = command('pg_ctl', ['-D', c.dataDir, '-m', 'immediate', '-w', 'stop']);
  const stopCmd = [bin, ...args].map(shellQuote).join(' ');
  const pidFile = shellQuote(join(c.dataDir, 'postmaster.pid'));
  const script = [
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done`,
    `if [ -f ${pidFile} ]; then`,
    `  pm=$(head -n1 ${pidFile})`,
    '  kill -CONT "$pm" $(ps -o pid= --ppid "$pm" 2>/dev/null) 2>/dev/null', // in case it was paused
    `  ${stopCmd} >/dev/null 2>&1`,
    'fi',
    `rm -rf ${shellQuote(c.baseDir)}`,
  ].join('\n');
  const child = spawn('/bin/sh', ['-c', script], { detached: true, stdio: 'ignore', cwd: '/' });
  child.on('error', () => undefined);
  child.unref();
  return child.pid;
}

function killWatchdog(state: ClusterState): void {
  if (state.watchdogPid === undefined) return;
  signal(-state.watchdogPid, 'SIGTERM'); // its process group: the shell and its sleep
  state.watchdogPid = undefined;
}

function installExitHandlers(map: Map<PgCluster, ClusterState>): Map<PgCluster, ClusterState> {
  const cleanup = (): void => {
    for (const state of map.values()) {
      if (state.removed) continue;
      if (state.running) stopSync(state);
      killWatchdog(state);
      try {
        rmSync(state.cluster.baseDir, { recursive: true, force: true });
      } catch {
        // best effort
      }
      state.removed = true;
    }
    map.clear();
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanup();
      process.off(sig, onSignal);
      // Nobody else handles it: die of the signal as if we had not been listening.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
  return map;
}

// ---------------------------------------------------------------------------

function findBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  if (versions.length === 0) {
    throw new Error(`no PostgreSQL server binaries in ${root}/*/bin (Debian: apt-get install postgresql)`);
  }
  return join(root, versions[0]!, 'bin');
}

function resolveRunUser(): { name: string; uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const name = 'postgres';
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      'tests run as root, but initdb and postgres refuse root and there is no "postgres" system user to run them as; ' +
        'install the postgresql package (it creates the user) or create one: useradd --system --no-create-home postgres',
    );
  }
  return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** [binary, args] for a PostgreSQL tool, through runuser when this process is root. */
function command(tool: string, args: string[]): [string, string[]] {
  const bin = join(binDir(), tool);
  const user = runUser();
  return user ? ['runuser', ['-u', user.name, '--', bin, ...args]] : [bin, args];
}

function run(tool: string, args: string[], cwd: string): Promise<void> {
  const [bin, argv] = command(tool, args);
  return new Promise((resolvePromise, reject) => {
    // With -l, pg_ctl points the server's stdio at the log file, so these pipes close when pg_ctl exits.
    const child = spawn(bin, argv, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code, sig) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${tool} ${args.join(' ')} failed (${sig ?? `exit ${code}`}):\n${output.trim()}`));
    });
  });
}

function readLog(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
