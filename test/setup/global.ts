import type { TestProject } from 'vitest/node';
import { makeReachableCopies } from './reachable-copies.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** bin/backup-alert.js in a copy `nobody` can run, when we are root ('' otherwise). */
    cliBinForOtherUsers: string;
    /** npm's PostgreSQL bin/ in a copy its OS user can run, when the checkout is closed to it. */
    postgresNpmBinDir: string;
  }
}

/** Both tiers: what the run prepares once for all test files, removed when it ends. */
export default function setup(project: TestProject): () => void {
  const copies = makeReachableCopies();
  project.provide('cliBinForOtherUsers', copies.cliBin);
  project.provide('postgresNpmBinDir', copies.postgresBin);
  return copies.remove;
}
