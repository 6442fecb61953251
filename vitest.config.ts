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
    // Most of a test's time is spent waiting for what it started (the CLI, bash, PostgreSQL,
    // an SMTP or HTTP exchange), so three files at a time on two cores; vitest's default is
    // cores - 1, which on the 2-core machines this project runs on means one file at a time.
    maxWorkers: 3,
    // One worker process runs file after file: no new process and no module import per file
    // (the tests share no state through modules: no vi.mock, env stubs are undone after each).
    isolate: false,
  },
});
