import { defineConfig } from 'vitest/config';

// Three projects, run in this order by `npm test`:
//  - unit: pure tests (flows against a fake call leg, routing, rules, parsers); no server,
//    no child process; `npm run test:unit` runs them in seconds;
//  - integration: real PostgreSQL clusters, SIPp, espeak-ng, local HTTP and SMTP servers;
//  - e2e: a real Asterisk, PostgreSQL and SIPp per file, two files at a time, each on a
//    stack of its own (test/e2e/global-setup.ts): the calls mostly wait for prompts, so two
//    stacks fit the 2-core machines.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          sequence: { groupOrder: 0 },
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          sequence: { groupOrder: 1 },
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 2 },
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
