import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
const exitHooks: (() => void)[] = [];
let installed = false;

/** Runs `fn` (synchronously) when the bench exits, however it exits short of SIGKILL. */
export function onExit(fn: () => void): void {
  exitHooks.push(fn);
}

/** Remembers a child until it exits, so an exit or error of the bench never leaks it. */
export function trackChild(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Kills every child still running (SIGKILL: this runs on the way out, possibly in an 'exit' handler), then runs onExit hooks. */
export function killAllChildren(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
  for (const fn of exitHooks.splice(0)) {
    try {
      fn();
    } catch {
      // best effort on the way out
    }
  }
}

/** Kills children on normal exit, on SIGINT/SIGTERM/SIGHUP and on an uncaught error. */
export function installChildCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      process.stderr.write(`[bench] ${signal}: stopping child processes\n`);
      killAllChildren();
      process.exit(130);
    });
  }
  process.on('uncaughtException', (err) => {
    process.stderr.write(`[bench] ${err.stack ?? String(err)}\n`);
    killAllChildren();
    process.exit(1);
  });
}
