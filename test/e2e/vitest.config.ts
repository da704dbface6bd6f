/**
 * Vitest configuration of the end-to-end suites in test/e2e (the docker compose stack). They are
 * not part of `npm test` (the root config leaves test/e2e out): run them with
 * `npx vitest run -c test/e2e/vitest.config.ts` (or `make test_e2e`).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 45 * 60_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
