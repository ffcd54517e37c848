import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Snapshot tests and stack traces must not depend on the machine's clock or locale.
    env: {
      TZ: 'UTC',
      AWS_REGION: 'us-east-1',
      // Handlers build their logger at import: silence it (and the SDK's local Node notice) for every file.
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
