import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Snapshot tests and stack traces must not depend on the machine's clock or locale.
    env: { TZ: 'UTC', AWS_REGION: 'us-east-1' },
  },
});
