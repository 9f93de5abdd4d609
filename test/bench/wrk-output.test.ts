import { describe, expect, it } from 'vitest';
import { parseWrkOutput } from '../../bench/wrk.js';

// wrk 4.2 --latency output; it pads durations in seconds with a trailing space ("1.18s ").
const OUT = `Running 3s test @ http://127.0.0.1:45443/v1/decisions
  1 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    71.20ms  199.91ms   1.56s    93.21%
    Req/Sec     3.28k   615.04     3.90k    76.67%
  Latency Distribution
     50%   13.90ms
     75%   30.36ms
     90%  288.71ms
     99%    1.18s 
  9761 requests in 3.01s, 7.05MB read
  Socket errors: connect 0, read 2, write 0, timeout 5
  Non-2xx or 3xx responses: 3
Requests/sec:   3244.91
Transfer/sec:      2.34MB
`;

describe('parseWrkOutput', () => {
  it('reads totals, percentiles in every unit (padded or not) and errors', () => {
    expect(parseWrkOutput(OUT)).toEqual({
      requests: 9761,
      seconds: 3.01,
      requestsPerSec: 3244.91,
      p50Us: 13_900,
      p99Us: 1_180_000,
      non2xx: 3,
      socketErrors: 7,
    });
    const fast = OUT.replace('13.90ms', '812.00us').replace('1.18s ', '2.40ms');
    expect(parseWrkOutput(fast)).toMatchObject({ p50Us: 812, p99Us: 2_400 });
  });

  it('names what is missing when wrk ran without --latency', () => {
    expect(() => parseWrkOutput(OUT.replace(/ {5}\d\d%.*\n/g, ''))).toThrow(/no 50% latency/);
  });
});
