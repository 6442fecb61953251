import { defineConfig } from 'vitest/config';
import unit from './vitest.config.js';

/**
 * `npm run test:interop`: our files and payloads against other people's programs (Prometheus's
 * tools, Alertmanager, Apprise, the shells, systemd-analyze, shellcheck, dpkg, man, psql).
 * The preflight runs first and fails the run at once, with the one apt-get line that installs
 * them all, when any is missing.
 */
export default defineConfig({
  test: {
    ...unit.test,
    include: ['test/interop/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    globalSetup: ['scripts/interop-preflight.js', 'test/setup/global.ts'],
  },
});
