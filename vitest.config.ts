import { defineConfig } from 'vitest/config';

/**
 * `npm test`: everything that needs npm packages only (PostgreSQL and Chromium included).
 * Tests against the OS's programs live in test/interop/ (vitest.interop.config.ts).
 */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/interop/**', '**/node_modules/**'],
    globalSetup: ['test/setup/global.ts'],
    restoreMocks: true,
    unstubEnvs: true,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
