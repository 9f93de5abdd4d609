import { type ChildProcess, spawn } from 'node:child_process';
import { trackChild } from './child-registry.js';
import { freePort } from './free-port.js';
import { progress } from './progress.js';
import { REPO_ROOT } from './repo-root.js';
import type { Runtime } from './runtime.js';

/** How to start one server under test. */
export interface ServerSpec {
  /** Shown in progress lines. */
  readonly name: string;
  /** TypeScript entry point relative to the repository root. */
  readonly entry: string;
  readonly runtime: Runtime;
  /** Extra environment on top of this process's (HOST, HTTP_PORT and GRPC_PORT are set here). */
  readonly env?: Readonly<Record<string, string>>;
  /** CPU the server is pinned to with taskset. */
  readonly cpu: number;
  /** Extra node flags before the entry, e.g. --cpu-prof. */
  readonly nodeArgs?: readonly string[];
}

/** A running server. */
export interface ServerProcess {
  readonly name: string;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly pid: number;
  /** SIGTERM, wait for a graceful exit (needed for --cpu-prof output), SIGKILL after a grace period. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;

/**
 * Starts a server as `taskset -c <cpu> node <runtime args> <entry>` on fresh free ports bound to
 * 127.0.0.1 and resolves once GET /readyz answers 200 (both servers bind before that route does).
 * Its output goes to stderr with a prefix, so stdout stays clean for --json.
 */
export async function startServer(spec: ServerSpec): Promise<ServerProcess> {
  const httpPort = await freePort();
  let grpcPort = await freePort();
  while (grpcPort === httpPort) grpcPort = await freePort();
  const node = [process.execPath, ...(spec.nodeArgs ?? []), ...spec.runtime.nodeArgs(spec.entry)];
  const args = ['-c', String(spec.cpu), ...node];
  const child = trackChild(
    spawn('taskset', args, {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...spec.env,
        HOST: '127.0.0.1',
        HTTP_PORT: String(httpPort),
        GRPC_PORT: String(grpcPort),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  const tail: string[] = [];
  const forward = (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line === '') continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      process.stderr.write(`[${spec.name}] ${line}\n`);
    }
  };
  child.stdout?.setEncoding('utf8').on('data', forward);
  child.stderr?.setEncoding('utf8').on('data', forward);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  try {
    await waitReady(child, httpPort, spec.name, tail);
  } catch (err) {
    await stopChild(child, exited);
    throw err;
  }
  progress(`${spec.name} ready (pid ${child.pid}, cpu ${spec.cpu}, http ${httpPort}, grpc ${grpcPort})`);
  return {
    name: spec.name,
    httpPort,
    grpcPort,
    pid: child.pid ?? -1,
    stop: () => stopChild(child, exited),
  };
}

async function waitReady(
  child: ChildProcess,
  port: number,
  name: string,
  tail: readonly string[],
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${name} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail.join('\n')}`,
      );
    }
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} was not ready within ${READY_TIMEOUT_MS / 1000} s:\n${tail.join('\n')}`);
}

async function stopChild(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

/** Starts a server, runs `fn` against it and always stops it, even when `fn` throws. */
export async function withServer<T>(spec: ServerSpec, fn: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startServer(spec);
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}
