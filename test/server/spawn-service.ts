import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The service running as its own process, as deployed (src/main.ts through tsx). */
export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly httpPort: number;
  readonly grpcPort: number;
  /** Everything it logged so far, stdout and stderr. */
  output(): string;
  /** Resolves with the exit code and signal. */
  readonly exited: Promise<[number | null, NodeJS.Signals | null]>;
}

/**
 * Starts src/main.ts on 127.0.0.1 with free ports and `env` added (an undefined value removes that
 * variable); resolves once it logs that it is ready. DATA_DIR is a fresh temporary directory unless
 * `env` names one.
 */
export async function spawnService(env: Record<string, string | undefined>): Promise<ServiceProcess> {
  const merged: NodeJS.ProcessEnv = {
    ...process.env,
    HTTP_PORT: '0',
    GRPC_PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  };
  // A DATA_DIR of its own unless the caller names one; removed once the process is gone.
  const ownDataDir = env.DATA_DIR === undefined ? mkdtempSync(join(tmpdir(), 'risk-data-')) : undefined;
  if (ownDataDir !== undefined) merged.DATA_DIR = ownDataDir;
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: merged,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  if (ownDataDir !== undefined) void exited.then(() => rmSync(ownDataDir, { recursive: true, force: true }));
  const ports = await new Promise<{ http: number; grpc: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in: ${out}`)), 30_000);
    exited.then(([code]) => reject(new Error(`exited ${code} before ready: ${out}`)));
    const onData = () => {
      const line = out.split('\n').find((l) => l.includes('risk decision service ready'));
      const h = line ? /"httpPort":(\d+)/.exec(line) : null;
      const g = line ? /"grpcPort":(\d+)/.exec(line) : null;
      if (h && g) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve({ http: Number(h[1]), grpc: Number(g[1]) });
      }
    };
    child.stdout?.on('data', onData);
  });
  return { child, httpPort: ports.http, grpcPort: ports.grpc, output: () => out, exited };
}
