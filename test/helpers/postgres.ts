import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import pg from 'pg';
import { closedPort } from './net.js';
import { postgresBinDir, postgresOsUser, systemPostgresBinDir } from './postgres-binaries.js';
import { selfSignedCert } from './smtp.js';
import { runSqlScript } from './sql-script.js';

export interface StartPostgresOptions {
  /** max_connections (default 40). Superusers keep 3 of them (superuser_reserved_connections). */
  maxConnections?: number;
  /** Offer TLS with a self-signed certificate for localhost/127.0.0.1 (`caFile`). */
  tls?: boolean;
}

export interface RestartOptions extends StartPostgresOptions {
  /** fast: clients are disconnected, transactions rolled back; immediate: as a crash. */
  mode?: 'fast' | 'immediate';
}

/** A throwaway PostgreSQL cluster (the system's or npm's, see postgres-binaries.ts) on 127.0.0.1, one per test file. */
export interface PgCluster {
  readonly host: string;
  readonly port: number;
  readonly superuser: string;
  readonly superPassword: string;
  /** The server's self-signed certificate (with `tls`), for sslrootcert=. */
  readonly caFile: string;
  /** postgres://user:password@127.0.0.1:port/database (superuser and postgres by default). */
  url(options?: { user?: string; password?: string; database?: string; params?: string }): string;
  /** Runs SQL as the superuser (parameterised) and returns the rows. */
  query<T = Record<string, unknown>>(sql: string, values?: unknown[], database?: string): Promise<T[]>;
  /** A login role with a password; `extra` is appended (e.g. `CONNECTION LIMIT 1`). */
  createRole(name: string, password: string, extra?: string): Promise<void>;
  createDatabase(name: string, owner?: string): Promise<void>;
  /**
   * Runs a psql script (examples/fleet/*.sql) as the superuser without psql, which no npm
   * package ships: the subset of psql those files use (see sql-script.ts). Throws on the
   * first error, as psql does with ON_ERROR_STOP.
   */
  runSqlFile(database: string, file: string, vars?: Record<string, string>): Promise<void>;
  /**
   * Runs the real psql as an operator would (ON_ERROR_STOP), as the superuser unless told
   * otherwise: the interop tier only (postgresql-client).
   */
  psql(
    database: string,
    args: { file?: string; sql?: string; vars?: Record<string, string>; user?: string; password?: string },
  ): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  restart(options?: RestartOptions): Promise<void>;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(options?: StartPostgresOptions): Promise<void>;
  /** Stops (immediate) and removes the cluster; for afterAll. */
  destroy(): Promise<void>;
}

/** The psql an operator has: Debian's beside its server, else the one on PATH. */
function psqlProgram(): string {
  const system = systemPostgresBinDir();
  return system && existsSync(join(system, 'psql')) ? join(system, 'psql') : 'psql';
}

const TEMPLATE_SUPERUSER = 'ba_super';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let templateOnce: Promise<{ data: string; superPassword: string }> | undefined;

/**
 * initdb takes seconds (most of a fleet test file's start), a copy of its result a fraction:
 * initdb runs once per PostgreSQL build into a cache under node_modules (not the temp
 * directory, which the suite must leave as it found it), and each cluster starts from a
 * copy. It is made in a temp folder the server's OS user can write (a checkout under a 0700
 * directory is closed to it), then moved into the cache under a staging name and renamed,
 * so two test workers making it at once cannot see half a template.
 */
function dataTemplate(
  bin: string,
  asOwner: (command: string, args: string[]) => [string, string[]],
  ownerIds: (() => { uid: number; gid: number }) | undefined,
): Promise<{ data: string; superPassword: string }> {
  templateOnce ??= (async () => {
    const build = statSync(join(bin, 'initdb'));
    const key = `${bin.replace(/[^A-Za-z0-9]+/g, '_')}-${Math.trunc(build.mtimeMs)}-${build.size}`;
    const cache = join(ROOT, 'node_modules', '.cache', 'backup-alert-tests', `pg-template-${key}`);
    const passwordFile = join(cache, 'superuser-password');
    if (existsSync(passwordFile)) {
      return { data: join(cache, 'data'), superPassword: readFileSync(passwordFile, 'utf8').trim() };
    }
    const work = mkdtempSync(join(tmpdir(), 'backup-alert-pg-template-'));
    const staging = `${cache}.${process.pid}`;
    try {
      const superPassword = `super-${Math.random().toString(36).slice(2)}`;
      const pwfile = join(work, 'pwfile');
      writeFileSync(pwfile, `${superPassword}\n`);
      if (ownerIds) {
        const { uid, gid } = ownerIds();
        chownSync(work, uid, gid);
        chownSync(pwfile, uid, gid);
      }
      const [initdb, initArgs] = asOwner('initdb', [
        '-D',
        join(work, 'data'),
        '-U',
        TEMPLATE_SUPERUSER,
        `--pwfile=${pwfile}`,
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
      ]);
      await execa(initdb, initArgs, { stdin: 'ignore' });
      writeFileSync(join(work, 'data', 'postgresql.conf'), "include_if_exists = 'test.conf'\n", {
        flag: 'a',
      });
      mkdirSync(staging, { recursive: true });
      await execa('cp', ['-a', join(work, 'data'), join(staging, 'data')], { stdin: 'ignore' });
      writeFileSync(join(staging, 'superuser-password'), `${superPassword}\n`);
      try {
        renameSync(staging, cache);
      } catch (error) {
        // Another worker made it first: use theirs.
        rmSync(staging, { recursive: true, force: true });
        if (!existsSync(passwordFile)) throw error;
      }
      return { data: join(cache, 'data'), superPassword: readFileSync(passwordFile, 'utf8').trim() };
    } finally {
      rmSync(work, { recursive: true, force: true });
      rmSync(staging, { recursive: true, force: true });
    }
  })();
  const made = templateOnce;
  // A failed attempt is not remembered: the next cluster tries again.
  made.catch(() => {
    if (templateOnce === made) templateOnce = undefined;
  });
  return made;
}

/**
 * A copy of the initdb template (dataTemplate) in a temp dir (owned by `postgres` when we are root), a random loopback port, the
 * socket in the temp dir, fsync off. Password (SCRAM) authentication on TCP, so tests can
 * present wrong passwords; trust only on the cluster's own unix socket.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PgCluster> {
  const bin = postgresBinDir();
  const osUser = postgresOsUser();
  const isRoot = osUser !== undefined;
  /** initdb and postgres refuse root: as root they run as an unprivileged OS user. */
  const asOwner = (command: string, args: string[]): [string, string[]] =>
    osUser ? ['runuser', ['-u', osUser, '--', join(bin, command), ...args]] : [join(bin, command), args];
  const postgresIds = () => ({
    uid: Number(execFileSync('id', ['-u', osUser as string], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', osUser as string], { encoding: 'utf8' }).trim()),
  });
  const template = await dataTemplate(bin, asOwner, isRoot ? postgresIds : undefined);
  const superuser = TEMPLATE_SUPERUSER;
  const superPassword = template.superPassword;
  const dir = mkdtempSync(join(tmpdir(), 'backup-alert-pg-'));
  const data = join(dir, 'data');
  if (isRoot) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  // cp -a keeps the owner (the server's OS user when we are root) and the modes initdb set.
  await execa('cp', ['-a', template.data, data], { stdin: 'ignore' });
  const caFile = join(dir, 'server.crt');
  if (options.tls) {
    const key = join(data, 'server.key');
    // The same throwaway certificate the SMTP tests use (CN=localhost, SAN 127.0.0.1).
    const cert = await selfSignedCert();
    writeFileSync(key, cert.key);
    writeFileSync(caFile, cert.cert);
    copyFileSync(caFile, join(data, 'server.crt'));
    // postgres refuses a key others can read.
    chmodSync(key, 0o600);
    if (isRoot) {
      const { uid, gid } = postgresIds();
      for (const file of [key, join(data, 'server.crt')]) chownSync(file, uid, gid);
    }
  }

  let port = 0;
  let running = false;
  const writeSettings = (maxConnections: number) => {
    const conf = [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      `max_connections = ${maxConnections}`,
      // fsync off loses data only when the OS crashes; synchronous_commit stays on, so a
      // commit that returned survives a PostgreSQL crash (the restart tests rely on it).
      'fsync = off',
      'full_page_writes = off',
      'shared_buffers = 32MB',
      "log_min_messages = 'fatal'",
      ...(options.tls ? ['ssl = on'] : []),
    ].join('\n');
    const file = join(data, 'test.conf');
    writeFileSync(file, `${conf}\n`);
    if (isRoot) {
      const { uid, gid } = postgresIds();
      chownSync(file, uid, gid);
    }
  };
  const pgCtl = async (args: string[]) => {
    const [command, rest] = asOwner('pg_ctl', ['-D', data, ...args]);
    await execa(command, rest, { stdin: 'ignore', timeout: 60_000 });
  };
  const start = async (startOptions: StartPostgresOptions = {}) => {
    // The port is free when we look and taken a moment later: try a few.
    for (let attempt = 1; ; attempt++) {
      if (port === 0 || attempt > 1) port = await closedPort();
      writeSettings(startOptions.maxConnections ?? options.maxConnections ?? 40);
      try {
        await pgCtl(['-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
        running = true;
        return;
      } catch (error) {
        if (attempt >= 3) throw error;
      }
    }
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    await pgCtl(['-m', mode, '-w', 'stop']);
    running = false;
  };

  // A worker that dies without afterAll must not leave a postgres behind.
  const onExit = () => {
    if (!running) return;
    const [command, rest] = asOwner('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    try {
      execFileSync(command, rest, { stdio: 'ignore' });
    } catch {
      // already gone
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  await start();

  const url: PgCluster['url'] = (u = {}) => {
    const user = encodeURIComponent(u.user ?? superuser);
    const password = encodeURIComponent(u.password ?? (u.user ? '' : superPassword));
    const auth = password ? `${user}:${password}` : user;
    return `postgres://${auth}@127.0.0.1:${port}/${u.database ?? 'postgres'}${u.params ? `?${u.params}` : ''}`;
  };
  const query: PgCluster['query'] = async <T>(sql: string, values: unknown[] = [], database = 'postgres') => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port,
      user: superuser,
      password: superPassword,
      database,
      ssl: false,
      connectionTimeoutMillis: 10_000,
    });
    await client.connect();
    try {
      return (await client.query(sql, values)).rows as T[];
    } finally {
      await client.end();
    }
  };
  // Identifiers come from the tests themselves; quoted all the same.
  const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
  return {
    host: '127.0.0.1',
    get port() {
      return port;
    },
    superuser,
    superPassword,
    caFile,
    url,
    query,
    async createRole(name, password, extra = '') {
      await query(`CREATE ROLE ${ident(name)} LOGIN PASSWORD ${pg.escapeLiteral(password)} ${extra}`);
    },
    async createDatabase(name, owner) {
      await query(`CREATE DATABASE ${ident(name)}${owner ? ` OWNER ${ident(owner)}` : ''}`);
    },
    async runSqlFile(database, file, vars) {
      await runSqlScript(readFileSync(file, 'utf8'), {
        database,
        ...(vars ? { vars } : {}),
        target: {
          async connect(name) {
            const client = new pg.Client({
              connectionString: url({ database: name }),
              connectionTimeoutMillis: 10_000,
            });
            await client.connect();
            return client;
          },
        },
      });
    },
    async psql(database, args) {
      const flags = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(port)];
      flags.push('-U', args.user ?? superuser, '-d', database);
      for (const [key, value] of Object.entries(args.vars ?? {})) flags.push('-v', `${key}=${value}`);
      if (args.file) flags.push('-f', args.file);
      if (args.sql) flags.push('-c', args.sql);
      const result = await execa(psqlProgram(), flags, {
        reject: false,
        stdin: 'ignore',
        timeout: 60_000,
        env: {
          PATH: process.env['PATH'],
          PGPASSWORD: args.password ?? superPassword,
          PGCONNECT_TIMEOUT: '10',
        },
        extendEnv: false,
      });
      return { exitCode: result.exitCode ?? -1, stdout: result.stdout, stderr: result.stderr };
    },
    async restart(restartOptions = {}) {
      await stop(restartOptions.mode ?? 'fast');
      await start(restartOptions);
    },
    stop,
    start,
    async destroy() {
      process.off('exit', onExit);
      try {
        await stop('immediate');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
