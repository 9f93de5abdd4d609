import { join } from 'node:path';
import type { BenchContext } from './bench-context.js';
import { DEFAULT_BUNDLE_DIR } from './repo-root.js';
import type { ServerSpec } from './server-process.js';

/**
 * Environment shared by both servers and the in-process run: warn-level logging (no per-request
 * log line on either), a fixed token key (only silences the development-key warning; tokenising
 * costs the same) and the embedded bundle by path (so a compiled copy finds it too).
 */
export const COMMON_ENV: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'warn',
  RISK_TOKEN_KEY: 'bench-token-key-not-a-secret-0123456789',
  RISK_BUNDLE_DIR: DEFAULT_BUNDLE_DIR,
  // The decision log is on by default, as users run the service; RISK_DECISION_LOG=off in the
  // bench's environment measures without it.
  ...(process.env.RISK_DECISION_LOG !== undefined
    ? { RISK_DECISION_LOG: process.env.RISK_DECISION_LOG }
    : {}),
};

/** The empty-endpoint baseline (bench/empty-server.ts). */
export function emptyServerSpec(ctx: BenchContext, name: string): ServerSpec {
  return {
    name,
    entry: 'bench/empty-server.ts',
    runtime: ctx.runtime,
    cpu: ctx.options.serverCpu,
    env: COMMON_ENV,
  };
}

/**
 * The real service (src/main.ts), optionally under --cpu-prof. Every thread writes its own profile
 * (tsx's loader hooks run on one), so each server gets a directory and node's default file names.
 */
export function realServerSpec(
  ctx: BenchContext,
  name: string,
  env: Readonly<Record<string, string>> = {},
): ServerSpec {
  return serviceSpec(ctx, name, 'src/main.ts', env);
}

/**
 * The edge server (bench/edge-server.ts): the real service answering a constant instead of
 * deciding, started and profiled like realServerSpec.
 */
export function edgeServerSpec(
  ctx: BenchContext,
  name: string,
  env: Readonly<Record<string, string>> = {},
): ServerSpec {
  return serviceSpec(ctx, name, 'bench/edge-server.ts', env);
}

function serviceSpec(
  ctx: BenchContext,
  name: string,
  entry: string,
  env: Readonly<Record<string, string>>,
): ServerSpec {
  const dir = profileDir(ctx, name);
  return {
    name,
    entry,
    runtime: ctx.runtime,
    cpu: ctx.options.serverCpu,
    // Each server keeps its journal and snapshots apart, in the run's temporary directory.
    env: { ...COMMON_ENV, DATA_DIR: join(ctx.workDir, 'data', name), ...env },
    nodeArgs: dir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${dir}`],
  };
}

/** Where realServerSpec(ctx, name) and edgeServerSpec(ctx, name) write profiles, when profiling. */
export function profileDir(ctx: BenchContext, name: string): string | undefined {
  const root = ctx.options.cpuProfDir;
  return root === undefined ? undefined : join(root, name);
}
