import { readFile } from 'node:fs/promises';
import { percentile } from './percentile.js';
import { runCommand } from './run-command.js';

/** What h2load reports for one run, with percentiles computed from its per-request log. */
export interface H2loadOutput {
  readonly seconds: number;
  readonly requestsPerSec: number;
  readonly total: number;
  readonly done: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly errored: number;
  readonly timeout: number;
  /** Responses whose HTTP status is not 2xx. */
  readonly non2xx: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Requests in the log file (completed with a status). */
  readonly logged: number;
}

/** Options for runH2load. */
export interface H2loadOptions {
  readonly url: string;
  /** File with the request body (one gRPC-framed message). */
  readonly dataFile: string;
  readonly headers: readonly string[];
  readonly clients: number;
  readonly streams: number;
  readonly durationSec: number;
  readonly cpu: number;
  /** Where h2load writes one line per request (start µs, status, µs to end of response). */
  readonly logFile: string;
}

/** Runs `taskset -c <cpu> h2load -t1 -c<clients> -m<streams> -D <s> -d <file> --log-file=...` (h2c). */
export async function runH2load(o: H2loadOptions): Promise<H2loadOutput> {
  const args = [
    '-c',
    String(o.cpu),
    'h2load',
    '-t1',
    `-c${o.clients}`,
    `-m${o.streams}`,
    '-D',
    String(o.durationSec),
  ];
  for (const h of o.headers) args.push('-H', h);
  args.push('-d', o.dataFile, `--log-file=${o.logFile}`, o.url);
  const { stdout } = await runCommand('taskset', args);
  const latencies = parseH2loadLog(await readFile(o.logFile, 'utf8'));
  return {
    ...parseH2loadSummary(stdout),
    p50Us: percentile(latencies, 50),
    p99Us: percentile(latencies, 99),
    logged: latencies.length,
  };
}

/** Parses h2load's summary (everything but percentiles, which it does not print). */
export function parseH2loadSummary(out: string): Omit<H2loadOutput, 'p50Us' | 'p99Us' | 'logged'> {
  const fin = /finished in ([\d.]+)(ms|s), ([\d.]+) req\/s/.exec(out);
  const req =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(
      out,
    );
  const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
  if (fin === null || req === null || codes === null) throw new Error(`unexpected h2load output:\n${out}`);
  const n = (m: RegExpExecArray, i: number) => Number(m[i]);
  return {
    seconds: fin[2] === 'ms' ? n(fin, 1) / 1000 : n(fin, 1),
    requestsPerSec: n(fin, 3),
    total: n(req, 1),
    done: n(req, 3),
    succeeded: n(req, 4),
    failed: n(req, 5),
    errored: n(req, 6),
    timeout: n(req, 7),
    non2xx: n(codes, 2) + n(codes, 3) + n(codes, 4),
  };
}

/** Ascending latencies (µs) of the requests in an h2load --log-file that completed with a status. */
export function parseH2loadLog(text: string): Float64Array {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    const cols = line.split('\t');
    if (cols.length < 3 || Number(cols[1]) < 0) continue;
    const us = Number(cols[2]);
    if (Number.isFinite(us)) out.push(us);
  }
  return Float64Array.from(out).sort();
}
