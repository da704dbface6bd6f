import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // test/e2e (the docker compose stack, minutes long) runs on its own: test/e2e/vitest.config.ts
    exclude: [...configDefaults.exclude, 'test/e2e/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites share one Postgres server and one Docker engine on a 2-core machine.
    fileParallelism: false,
    reporters: ['default'],
  },
});
