import type { TestProject } from 'vitest/node';
import { startStack, type Stack } from '../support/stack.ts';
import type { E2eEnvironment } from './support/environment.ts';

/**
 * Real Asterisks (the project's asterisk-config/) and throwaway PostgreSQL
 * clusters for the e2e run (test/support/stack.ts): HOTLINE_E2E_STACKS of them
 * (default 2), each on its own ports and folder, so two test files run at once
 * without seeing each other's calls. A test file takes a stack for its whole
 * run (support/environment.ts useStack) and starts the application itself
 * (support/hotline-process.ts) against it. Everything is stopped by its
 * process id at the end, also when tests fail. HOTLINE_E2E_KEEP=1 keeps the
 * folders with Asterisk's log for a post-mortem.
 */
export const STACKS = Math.max(1, Number(process.env.HOTLINE_E2E_STACKS ?? 2));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const keep = Boolean(process.env.HOTLINE_E2E_KEEP);
  // Neighbouring RTP ranges of 100 ports each, from a random start below 50000.
  const rtpBase = 30000 + Math.floor(Math.random() * 100) * 200;
  const results = await Promise.allSettled(Array.from({ length: STACKS }, (_, i) => startStack({ keep, rtpStart: rtpBase + i * 100 })));
  const stacks = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  const stopAll = async () => {
    await Promise.all(stacks.map((s: Stack) => s.stop()));
  };
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopAll();
    throw failed.reason;
  }
  project.provide('e2eStacks', stacks.map((s) => s.env));
  return stopAll;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2eStacks: E2eEnvironment[];
  }
}
