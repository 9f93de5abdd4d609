import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The machine's Redis (started by .ci/run when down); tests fail, never skip, without it. */
export const SHARED_REDIS_URL = process.env.RISK_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique key prefix for one test run, so runs sharing the machine's Redis never meet. */
export function uniquePrefix(name: string): string {
  return `risk-test:${name}:${process.pid}:${Date.now().toString(36)}:`;
}

/** Deletes every key under `prefix` on a single server (the cleanup after a run). */
export async function deletePrefix(url: string, prefix: string): Promise<void> {
  const u = new URL(url);
  const { stdout } = await run('redis-cli', [
    '-h',
    u.hostname,
    '-p',
    u.port || '6379',
    '--scan',
    '--pattern',
    `${prefix}*`,
  ]);
  const keys = stdout.split('\n').filter((k) => k !== '');
  for (let i = 0; i < keys.length; i += 500)
    await run('redis-cli', ['-h', u.hostname, '-p', u.port || '6379', 'DEL', ...keys.slice(i, i + 500)]);
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });

/** `n` ports p, each with p + 10000 free too (a cluster node's bus port). */
async function freePorts(n: number): Promise<number[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    const ports = Array.from({ length: n }, (_, i) => base + i);
    let ok = true;
    for (const p of ports) if (!(await portFree(p)) || !(await portFree(p + 10_000))) ok = false;
    if (ok) return ports;
  }
  throw new Error('no free ports for redis-server');
}

/** A redis-server process this test started, in its own temp dir. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** Kills it (SIGKILL: as abrupt as a crash). */
  kill(): Promise<void>;
  /** Starts it again on the same port (empty: it keeps nothing on disk). */
  restart(): Promise<void>;
  /** Kills it and removes its directory. */
  stop(): Promise<void>;
}

async function waitPing(port: number, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'PING']);
      if (stdout.trim() === 'PONG') return;
    } catch {}
    if (Date.now() > until) throw new Error(`redis-server on ${port} did not answer`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function startProcess(port: number, dir: string, extra: string[]): ChildProcess {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      ...extra,
    ],
    { stdio: 'ignore' },
  );
  child.on('error', () => {}); // a missing binary fails waitPing with a clear message
  return child;
}

/** Starts one redis-server on a free port. */
export async function startRedis(): Promise<RedisProcess> {
  const [port] = (await freePorts(1)) as [number];
  const dir = mkdtempSync(join(tmpdir(), 'risk-redis-'));
  let child = startProcess(port, dir, []);
  await waitPing(port);
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    async restart() {
      await kill();
      child = startProcess(port, dir, []);
      await waitPing(port);
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A local Redis Cluster of `redis-server` processes. */
export interface RedisCluster {
  readonly ports: readonly number[];
  /** `redis-cluster://127.0.0.1:p1,127.0.0.1:p2,...` */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts a cluster of `n` masters (no replicas) on loopback, in a temp dir; stop() removes it. */
export async function startRedisCluster(n = 3): Promise<RedisCluster> {
  const ports = await freePorts(n);
  const dir = mkdtempSync(join(tmpdir(), 'risk-redis-cluster-'));
  const children = ports.map((port) =>
    startProcess(port, dir, [
      '--cluster-enabled',
      'yes',
      '--cluster-config-file',
      `nodes-${port}.conf`,
      '--cluster-node-timeout',
      '2000',
    ]),
  );
  const stop = async () => {
    await Promise.all(
      children.map((c) => {
        if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
        const exited = new Promise((r) => c.once('exit', r));
        c.kill('SIGKILL');
        return exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const p of ports) await waitPing(p);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    // Wait until every node agrees the cluster is up.
    const until = Date.now() + 10_000;
    for (const p of ports)
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', String(p), 'CLUSTER', 'INFO']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() > until) throw new Error(`cluster node ${p} not ok: ${stdout}`);
        await new Promise((r) => setTimeout(r, 50));
      }
  } catch (e) {
    await stop();
    throw e;
  }
  return { ports, url: `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(',')}`, stop };
}
