import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The default reporter for people, plus one closing line CI can read ("N passed, N failed").
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
