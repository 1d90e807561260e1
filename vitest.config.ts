import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests (fake call legs, pure routing) and end-to-end
// tests that start a real Asterisk, PostgreSQL and SIPp. The e2e project runs its
// files one after another: they share one Asterisk and the machine has 2 cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
