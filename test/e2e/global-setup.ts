import type { TestProject } from 'vitest/node';
import { startStack } from '../support/stack.ts';
import type { E2eEnvironment } from './support/environment.ts';

/**
 * One real Asterisk (the project's asterisk-config/) and one throwaway
 * PostgreSQL for the whole e2e run (test/support/stack.ts); each test file
 * starts the application itself (support/hotline-process.ts) against them.
 * Everything is stopped by its process id at the end, also when tests fail.
 * HOTLINE_E2E_KEEP=1 keeps the folder with Asterisk's log for a post-mortem.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const stack = await startStack({ keep: Boolean(process.env.HOTLINE_E2E_KEEP) });
  project.provide('e2e', stack.env);
  return stack.stop;
}

declare module 'vitest' {
  export interface ProvidedContext {
    e2e: E2eEnvironment;
  }
}
