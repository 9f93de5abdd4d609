import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../bench/bench-options.js';

describe('bench options', () => {
  it('runs every section, callgrind once, by default', () => {
    const o = parseBenchOptions([]);
    expect(o.sections).toEqual(['rest', 'grpc', 'inprocess', 'memory', 'snapshot', 'callgrind']);
    expect(o.callgrindRuns).toBe(1);
  });

  it('drops callgrind with --no-callgrind, also from an --only list', () => {
    expect(parseBenchOptions(['--no-callgrind']).sections).toEqual([
      'rest',
      'grpc',
      'inprocess',
      'memory',
      'snapshot',
    ]);
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

  it('fills a million entities and repeats a million events in the memory section by default', () => {
    const o = parseBenchOptions(['--only', 'memory']);
    expect(o.sections).toEqual(['memory']);
    expect(o.memoryEntities).toBe(1_000_000);
    expect(o.memoryRepeat).toBe(1_000_000);
    expect(parseBenchOptions(['--no-memory']).sections).toEqual([
      'rest',
      'grpc',
      'inprocess',
      'snapshot',
      'callgrind',
    ]);
    expect(parseBenchOptions(['--only', 'memory,inprocess', '--no-memory']).sections).toEqual(['inprocess']);
  });

  it('takes the memory counts, 0 skipping the repeat, and refuses counts out of range', () => {
    const o = parseBenchOptions(['--memory-entities', '20000', '--memory-repeat', '0']);
    expect(o.memoryEntities).toBe(20_000);
    expect(o.memoryRepeat).toBe(0);
    expect(() => parseBenchOptions(['--memory-entities', '999'])).toThrow(
      /--memory-entities must be an integer >= 1000 and <= 50000000, got "999"/,
    );
    expect(() => parseBenchOptions(['--memory-entities', '1e9'])).toThrow(/<= 50000000/);
    expect(() => parseBenchOptions(['--memory-repeat=-1'])).toThrow(
      /--memory-repeat must be an integer >= 0,/,
    );
  });
});
