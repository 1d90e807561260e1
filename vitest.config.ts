import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests (fake call legs, pure routing) and end-to-end
// tests that start a real Asterisk, PostgreSQL and SIPp. The e2e project runs two
// files at a time, each on a stack of its own (test/e2e/global-setup.ts): the calls
// mostly wait for prompts, so two stacks fit the 2-core machines.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // The unit tests first, then the e2e files (vitest runs groups in order).
          sequence: { groupOrder: 0 },
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
