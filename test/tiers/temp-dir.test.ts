import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPostgres } from '../helpers/postgres.js';
import { seedCentre } from '../helpers/serve-centre.js';

/** Helpers that make files in the temp directory take them away again (CI counts its entries). */
let cluster: PgCluster;
beforeAll(async () => {
  cluster = await startPostgres();
}, 120_000);
afterAll(async () => {
  await cluster?.destroy();
});

// This worker's own (the name carries its PID): other test files seed centres at the same time.
const seedFolders = () =>
  readdirSync(tmpdir()).filter((name) => name.startsWith(`backup-alert-centre-seed-${process.pid}-`));

describe('the temp directory', () => {
  it('seedCentre removes the hosts’ local databases it shipped from', async () => {
    const before = seedFolders();
    await seedCentre(cluster);
    expect(seedFolders()).toEqual(before);
  });
});
