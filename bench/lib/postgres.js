// A throwaway PostgreSQL 15 cluster for the fleet figures (the same recipe as
// test/helpers/postgres.ts): initdb in the bench's temp dir, as the `postgres` OS user
// when we are root (initdb refuses root), a free loopback port, fsync off.
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

export const PG_BIN = '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;

function run(command, args) {
  const [file, rest] = isRoot
    ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, command), ...args]]
    : [join(PG_BIN, command), args];
  execFileSync(file, rest, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export async function startBenchPostgres(tmp, { maxConnections = 80 } = {}) {
  const dir = join(tmp, 'pg');
  mkdirSync(dir);
  const data = join(dir, 'data');
  const password = `bench-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, 'pw'), `${password}\n`);
  if (isRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    // postgres must get through the (root's, 0700) temp dir to its own.
    chmodSync(tmp, 0o711);
    chownSync(dir, uid, gid);
    chownSync(join(dir, 'pw'), uid, gid);
  }
  run('initdb', [
    '-D',
    data,
    '-U',
    'bench',
    `--pwfile=${join(dir, 'pw')}`,
    '--auth-host=scram-sha-256',
    '--auth-local=trust',
    '-E',
    'UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  const port = await freePort();
  const settings = [
    `port = ${port}`,
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${dir}'`,
    `max_connections = ${maxConnections}`,
    'fsync = off',
    'shared_buffers = 256MB',
    'max_wal_size = 4GB',
    "log_min_messages = 'fatal'",
  ];
  writeFileSync(join(data, 'postgresql.conf'), `${settings.join('\n')}\n`, { flag: 'a' });
  run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  const url = (database = 'postgres', user = 'bench', pw = password) =>
    `postgres://${user}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}`;
  const query = async (sql, values = [], database = 'postgres') => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows;
    } finally {
      await client.end();
    }
  };
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    } catch {
      // already gone
    }
  };
  return { port, url, query, stop };
}
