import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../bench/bench-options.js';

describe('bench options', () => {
  it('runs every section, callgrind once, by default', () => {
    const o = parseBenchOptions([]);
    expect(o.sections).toEqual(['rest', 'grpc', 'inprocess', 'callgrind']);
    expect(o.callgrindRuns).toBe(1);
  });

  it('drops callgrind with --no-callgrind, also from an --only list', () => {
    expect(parseBenchOptions(['--no-callgrind']).sections).toEqual(['rest', 'grpc', 'inprocess']);
    expect(parseBenchOptions(['--only', 'inprocess,callgrind', '--no-callgrind']).sections).toEqual([
      'inprocess',
    ]);
  });

  it('takes the callgrind section and run count on their own', () => {
    const o = parseBenchOptions(['--only', 'callgrind', '--callgrind-runs', '2']);
    expect(o.sections).toEqual(['callgrind']);
    expect(o.callgrindRuns).toBe(2);
    expect(() => parseBenchOptions(['--callgrind-runs', '0'])).toThrow(
      /--callgrind-runs must be an integer >= 1/,
    );
    expect(() => parseBenchOptions(['--only', 'valgrind'])).toThrow(/unknown section "valgrind"/);
  });
});
