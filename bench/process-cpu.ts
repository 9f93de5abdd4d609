import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';

/** CPU seconds a process spent in its own code (user) and in the kernel on its behalf (system). */
export interface CpuTimes {
  readonly user: number;
  readonly system: number;
}

/**
 * CPU seconds (user and system) from the text of /proc/<pid>/stat: fields 14 and 15, counted after
 * the command name, which is in parentheses and may itself hold spaces and parentheses.
 */
export function cpuTimesFromStat(stat: string, ticksPerSecond: number): CpuTimes {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/<pid>/stat line: no command name');
  // After ") " come field 3 (state), 4, ...: utime is field 14 and stime field 15.
  const fields = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error('not a /proc/<pid>/stat line: utime/stime are not numbers');
  return { user: utime / ticksPerSecond, system: stime / ticksPerSecond };
}

let ticks: number | undefined;

/** Clock ticks per second of /proc times (USER_HZ): `getconf CLK_TCK`, 100 when it cannot tell. */
function ticksPerSecond(): number {
  if (ticks === undefined) {
    try {
      const v = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
      ticks = Number.isInteger(v) && v > 0 ? v : 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** CPU seconds the process has used so far; undefined where /proc cannot tell (not Linux, gone). */
export async function processCpuTimes(pid: number): Promise<CpuTimes | undefined> {
  if (pid <= 0) return undefined;
  try {
    return cpuTimesFromStat(await readFile(`/proc/${pid}/stat`, 'utf8'), ticksPerSecond());
  } catch {
    return undefined;
  }
}

/** Runs `load` and returns its result with the CPU seconds process `pid` used meanwhile. */
export async function withCpu<T>(pid: number, load: () => Promise<T>): Promise<[T, CpuTimes | undefined]> {
  const before = await processCpuTimes(pid);
  const result = await load();
  const after = await processCpuTimes(pid);
  if (before === undefined || after === undefined) return [result, undefined];
  return [result, { user: after.user - before.user, system: after.system - before.system }];
}
