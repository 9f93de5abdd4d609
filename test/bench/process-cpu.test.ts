import { describe, expect, it } from 'vitest';
import { cpuTimesFromStat, processCpuTimes, withCpu } from '../../bench/process-cpu.js';

describe('process CPU time', () => {
  it('reads utime and stime after the command name, whatever the name holds', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const stat = '4242 (node (a) b) S 1 4242 4242 0 -1 4194560 1200 0 3 0 250 75 0 0 20 0 11 0 100 0';
    expect(cpuTimesFromStat(stat, 100)).toEqual({ user: 2.5, system: 0.75 });
    expect(cpuTimesFromStat(stat, 1000)).toEqual({ user: 0.25, system: 0.075 });
    expect(() => cpuTimesFromStat('garbage', 100)).toThrow(/stat/);
    expect(() => cpuTimesFromStat('1 (x) S 1 2', 100)).toThrow(/utime/);
  });

  it('measures the CPU a process spends while a load runs, and nothing for a missing process', async () => {
    if (process.platform !== 'linux') return;
    // Spin until Node itself has counted 100 ms of CPU for this process, however busy the host.
    const [sum, cpu] = await withCpu(process.pid, async () => {
      const start = process.cpuUsage();
      let x = 0;
      for (;;) {
        for (let i = 0; i < 1e5; i++) x += Math.sqrt(x + 1);
        const used = process.cpuUsage(start);
        if (used.user + used.system >= 100_000) return x;
      }
    });
    expect(sum).toBeGreaterThan(0);
    // /proc counts in clock ticks (10 ms): allow for one tick of rounding at each end.
    expect((cpu?.user ?? 0) + (cpu?.system ?? 0)).toBeGreaterThanOrEqual(0.08);
    // Arithmetic in a loop is user time; the kernel did little for it.
    expect(cpu?.user ?? 0).toBeGreaterThan(cpu?.system ?? 0);
    expect(await processCpuTimes(-1)).toBeUndefined();
    expect(await processCpuTimes(2 ** 30)).toBeUndefined();
  });
});
