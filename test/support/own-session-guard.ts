/**
 * Processes started in a session of their own (Asterisk and the application
 * in the benchmark, as `npm start` runs them) do not get the terminal's
 * Ctrl-C, and a signal ends Node without its 'exit' event: they are killed
 * here when this process exits or is told to stop, so nothing is left running.
 */
const guarded = new Set<number>();
let installed = false;

function killAll(): void {
  for (const pid of guarded) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  guarded.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAll();
      process.off(sig, onSignal);
      // Nobody else handles it: die of the signal as if we had not been listening.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    // First: a slower handler (a database's synchronous stop) can outlast tsx's 30 ms before it
    // kills this process outright, and these would be left running.
    process.prependListener(sig, onSignal);
  }
}

/** Kills `pid` when this process ends; call the returned function once it was stopped normally. */
export function killWithThisProcess(pid: number): () => void {
  install();
  guarded.add(pid);
  return () => void guarded.delete(pid);
}
