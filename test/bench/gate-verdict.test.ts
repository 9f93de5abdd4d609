import { describe, expect, it } from 'vitest';
import { formatVerdict, gateVerdict, guardsPass, judgeGates } from '../../bench/gate-verdict.js';
import { GATES, MEMORY_GATE_ENTITIES } from '../../bench/gates.js';

describe('gate verdicts', () => {
  it('passes a ratio at or above its floor and fails one below', () => {
    const floor = GATES.rest.threshold;
    expect(gateVerdict('rest', floor).pass).toBe(true);
    expect(gateVerdict('rest', floor + 0.01).pass).toBe(true);
    expect(gateVerdict('rest', floor - 0.01).pass).toBe(false);
    expect(gateVerdict('grpc', GATES.grpc.threshold - 0.01).pass).toBe(false);
  });

  it('passes a p99 strictly below its ceiling only', () => {
    const ceiling = GATES.inprocess.threshold;
    expect(gateVerdict('inprocess', ceiling - 0.1).pass).toBe(true);
    expect(gateVerdict('inprocess', ceiling).pass).toBe(false);
  });

  it('fails a good ratio over failed requests, and a missing figure, saying why', () => {
    const v = gateVerdict('grpc', 0.9, 3);
    expect(v.pass).toBe(false);
    expect(v.reason).toBe('3 failed requests');
    expect(gateVerdict('rest', Number.NaN).pass).toBe(false);
    expect(gateVerdict('inprocess', Number.NaN).reason).toBe('no figure');
  });

  it('judges only the sections that ran, in table order', () => {
    const all = judgeGates({
      rest: { ratio: 0.3, errors: 0 },
      grpc: { ratio: 0.4, errors: 0 },
      inprocess: { p99Us: 60 },
      memory: { peakRssMiB: 900, entities: 1_000_005, target: MEMORY_GATE_ENTITIES, evictions: 0 },
    });
    expect(all.map((v) => [v.gate, v.pass])).toEqual([
      ['rest', true],
      ['grpc', false],
      ['inprocess', true],
      ['memory', true],
    ]);
    expect(judgeGates({ inprocess: { p99Us: 250 } }).map((v) => [v.gate, v.pass])).toEqual([
      ['inprocess', false],
    ]);
    expect(judgeGates({})).toEqual([]);
  });

  it('prints the verdict with the figure and the threshold', () => {
    expect(formatVerdict(gateVerdict('rest', 0.3))).toBe(
      `PASS  REST real/empty decisions/s 0.30 (gate >= ${GATES.rest.threshold})`,
    );
    expect(formatVerdict(gateVerdict('inprocess', 212.34))).toBe(
      `FAIL  in-process decide() p99 212.3 µs (gate < ${GATES.inprocess.threshold.toFixed(1)} µs)`,
    );
    expect(formatVerdict(gateVerdict('grpc', 0.7, 2))).toMatch(/^FAIL .*: 2 failed requests$/);
  });

  it('passes a peak RSS strictly below 1 GiB with a million entities held and none evicted', () => {
    const m = { entities: MEMORY_GATE_ENTITIES, target: MEMORY_GATE_ENTITIES, evictions: 0 };
    expect(GATES.memory.threshold).toBe(1024);
    expect(judgeGates({ memory: { ...m, peakRssMiB: 1023.9 } })[0]?.pass).toBe(true);
    expect(judgeGates({ memory: { ...m, peakRssMiB: 1024 } })[0]?.pass).toBe(false);
    expect(judgeGates({ memory: { ...m, peakRssMiB: 1406.8 } })[0]?.pass).toBe(false);
  });

  it('fails a small memory figure that held fewer entities or evicted some, saying why', () => {
    const m = { peakRssMiB: 500, target: MEMORY_GATE_ENTITIES };
    const evicted = judgeGates({ memory: { ...m, entities: MEMORY_GATE_ENTITIES, evictions: 12 } })[0];
    expect(evicted?.pass).toBe(false);
    expect(evicted?.reason).toBe('12 entities evicted');
    const short = judgeGates({ memory: { ...m, entities: 999_999, evictions: 0 } })[0];
    expect(short?.reason).toBe('only 999999 entities held');
    expect(gateVerdict('memory', Number.NaN).reason).toBe('no figure');
  });

  it('has no memory verdict for a run with another entity count', () => {
    expect(
      judgeGates({ memory: { peakRssMiB: 50, entities: 20_000, target: 20_000, evictions: 0 } }),
    ).toEqual([]);
  });

  it('prints the memory verdict in MiB', () => {
    const m = { entities: MEMORY_GATE_ENTITIES, target: MEMORY_GATE_ENTITIES, evictions: 0 };
    const [v] = judgeGates({ memory: { ...m, peakRssMiB: 1406.84 } });
    expect(v && formatVerdict(v)).toBe('FAIL  peak RSS, 1M counter entities 1406.8 MiB (gate < 1024.0 MiB)');
  });

  it('fails a run on a failed guard, never on a failed target alone', () => {
    const countersFail = gateVerdict('counters', 25);
    const restPass = gateVerdict('rest', 0.3);
    expect(countersFail.pass).toBe(false);
    expect(guardsPass([restPass, countersFail])).toBe(true);
    expect(guardsPass([gateVerdict('rest', 0.2), gateVerdict('counters', 10)])).toBe(false);
    expect(guardsPass([restPass, gateVerdict('memory', 1400)])).toBe(false);
    expect(guardsPass([])).toBe(true);
  });
});
