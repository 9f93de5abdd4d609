import { describe, expect, it } from 'vitest';
import { callgrindTotal, runFromParts, summarizeRuns } from '../../bench/callgrind-parts.js';

// The head of a callgrind 3.19 output file written by --dump-before.
const PART = `# callgrind format
version: 1
creator: callgrind-3.19.0
pid: 23196
cmd:  node --single-threaded out/bench/callgrind-child.js pool.json 2000 3000 20000
part: 5

desc: Trigger: --dump-before=getppid

positions: line
events: Ir
summary: 712587325

fl=(1) ???
fn=(1) 0x0000000000a1b2c3
0 12
totals: 712587325
`;

describe('callgrind parts', () => {
  it('reads the instructions of one part', () => {
    expect(callgrindTotal(PART)).toBe(712_587_325);
    expect(callgrindTotal('summary: 42\n')).toBe(42);
    expect(() => callgrindTotal('events: Ir\n')).toThrow(/no totals/);
  });

  it('divides the measured windows by their calls and ignores start-up, warm-up and set-up', () => {
    const run = runFromParts([2e9, 6e7, 3.2e7, 4e9, 7.2e8], { decisions: 3000, trivialCalls: 20_000 }, 80);
    expect(run).toEqual({ perDecision: 240_000, perTrivialCall: 1600, seconds: 80 });
  });

  it('refuses parts that do not line up with the markers', () => {
    expect(() => runFromParts([1, 2, 3, 4], { decisions: 1, trivialCalls: 1 }, 1)).toThrow(/4 marked parts/);
    expect(() => runFromParts([1, 2, 3, 4, 5, 6], { decisions: 1, trivialCalls: 1 }, 1)).toThrow(
      /expected 5/,
    );
  });

  it('pools runs into means, their ratio and the spread between runs', () => {
    const s = summarizeRuns([
      { perDecision: 240_000, perTrivialCall: 1600, seconds: 80 },
      { perDecision: 242_400, perTrivialCall: 1610, seconds: 81 },
    ]);
    expect(s.instructionsPerDecision).toBe(241_200);
    expect(s.instructionsPerTrivialCall).toBe(1605);
    expect(s.ratio).toBeCloseTo(241_200 / 1605, 9);
    expect(s.spread).toBeCloseTo(2400 / 241_200, 12);
    expect(summarizeRuns([{ perDecision: 5, perTrivialCall: 1, seconds: 1 }]).spread).toBe(0);
    expect(() => summarizeRuns([])).toThrow();
  });
});
