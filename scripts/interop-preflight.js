// The interop tier's preflight (`npm run test:interop` runs it before anything else, and
// vitest.interop.config.ts as its first globalSetup): every program the tier runs, with the
// Debian package that brings it. When any is missing it fails at once with the one apt-get
// line that installs them all: no test of the tier is skipped silently. Tests find these
// programs on PATH (never by absolute path), so `.ci/run` can prove the npm tier needs none
// of them by running `npm test` with them hidden.
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** @type {ReadonlyArray<{ program: string, debian: string }>} */
export const INTEROP_PROGRAMS = [
  { program: 'promtool', debian: 'prometheus' },
  { program: 'prometheus-node-exporter', debian: 'prometheus-node-exporter' },
  { program: 'prometheus-pushgateway', debian: 'prometheus-pushgateway' },
  { program: 'prometheus-alertmanager', debian: 'prometheus-alertmanager' },
  { program: 'amtool', debian: 'prometheus-alertmanager' },
  { program: 'apprise', debian: 'apprise' },
  { program: 'zsh', debian: 'zsh' },
  { program: 'fish', debian: 'fish' },
  { program: 'tmux', debian: 'tmux' },
  { program: 'bash', debian: 'bash' },
  { program: 'systemd-analyze', debian: 'systemd' },
  { program: 'shellcheck', debian: 'shellcheck' },
  { program: 'dpkg-deb', debian: 'dpkg' },
  { program: 'dpkg', debian: 'dpkg' },
  { program: 'man', debian: 'man-db' },
  { program: 'groff', debian: 'groff-base' },
  { program: 'psql', debian: 'postgresql-client' },
  { program: 'curl', debian: 'curl' },
  { program: 'jq', debian: 'jq' },
];

/** Files (not programs) the tier reads. @type {ReadonlyArray<{ file: string, debian: string }>} */
export const INTEROP_FILES = [
  { file: '/usr/share/bash-completion/bash_completion', debian: 'bash-completion' },
];

/** Every Debian package of the tier, once each. */
export const INTEROP_PACKAGES = [
  ...new Set([...INTEROP_PROGRAMS, ...INTEROP_FILES].map((entry) => entry.debian)),
];

/** @param {string} program */
function onPath(program, path = process.env.PATH ?? '') {
  return path.split(delimiter).some((dir) => {
    if (dir === '') return false;
    try {
      accessSync(join(dir, program), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** What is missing, by the names a reader recognises (programs, files). */
export function missingInterop() {
  return [
    ...INTEROP_PROGRAMS.filter(({ program }) => !onPath(program)).map(({ program }) => program),
    ...INTEROP_FILES.filter(({ file }) => !existsSync(file)).map(({ file }) => file),
  ];
}

/** The message, or undefined when everything is there. */
export function preflightProblem() {
  const missing = missingInterop();
  if (missing.length === 0) return undefined;
  return (
    `the interop tier needs programs that are not installed (${missing.join(', ')}); install them all with:\n` +
    `apt-get install -y ${INTEROP_PACKAGES.join(' ')}`
  );
}

/** vitest globalSetup: stop before any test runs. */
export default function preflight() {
  const problem = preflightProblem();
  if (problem) throw new Error(problem);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // For .ci/run: what to install, and what to hide from the npm tier.
  if (process.argv[2] === '--packages') {
    process.stdout.write(`${INTEROP_PACKAGES.join(' ')}\n`);
    process.exit(0);
  }
  if (process.argv[2] === '--programs') {
    process.stdout.write(`${INTEROP_PROGRAMS.map(({ program }) => program).join(' ')}\n`);
    process.exit(0);
  }
  const problem = preflightProblem();
  if (problem) {
    process.stderr.write(`test:interop: ${problem}\n`);
    process.exit(1);
  }
}
