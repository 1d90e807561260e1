import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, inject } from 'vitest';

/** One stack of the e2e global set-up (test/e2e/global-setup.ts): what a test file runs against. */
export interface E2eEnvironment {
  root: string;
  /** The hotline configuration the Asterisk of this run was rendered from. */
  configFile: string;
  databaseUrl: string;
  ariUrl: string;
  ariUser: string;
  ariPassword: string;
  adminToken: string;
  httpUrl: string;
  asteriskConf: string;
  asteriskLog: string;
  asteriskPid: number;
  ports: {
    sip: number;
    ari: number;
    http: number;
    trunk: number;
    desk1: number;
    desk2: number;
    duty1: number;
    duty2: number;
    /** Where the duty-alert webhook posts (tests listen here when they check alerts). */
    webhook: number;
    rtpStart: number;
  };
  pg: { dataDir: string; port: number; baseDir: string; logFile: string };
}

/**
 * Takes a stack of the run for this test file, waiting while all are taken,
 * and gives it back after the file's last test. A stack is taken by creating
 * its "in-use" folder (atomic), so two files never share an Asterisk.
 */
export async function useStack(timeoutMs = 30 * 60_000): Promise<E2eEnvironment> {
  const stacks = inject('e2eStacks');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const env of stacks) {
      const lock = path.join(env.root, 'in-use');
      try {
        mkdirSync(lock);
      } catch {
        continue;
      }
      afterAll(() => rmSync(lock, { recursive: true, force: true }));
      return env;
    }
    if (Date.now() > deadline) throw new Error(`no e2e stack became free within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
