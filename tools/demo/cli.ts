/** A duration option in seconds, as ms; a clear error for anything else. */
export function seconds(value: string | undefined, what: string, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > max) throw new Error(`${what}: seconds between 0 and ${max}, not ${value}`);
  return Math.round(n * 1000);
}

/** Runs a command-line tool: its error's message on stderr and exit code 1, no stack trace for a user's mistake. */
export function runCli(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
