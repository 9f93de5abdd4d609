import { describe, expect, it } from 'vitest';
import { formatVerdict, gateVerdict, judgeGates } from '../../bench/gate-verdict.js';
import { GATES } from '../../bench/gates.js';

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
    });
    expect(all.map((v) => [v.gate, v.pass])).toEqual([
      ['rest', true],
      ['grpc', false],
      ['inprocess', true],
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
});
