import { runCommand } from './run-command.js';

/** What wrk reports for one run. */
export interface WrkOutput {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSec: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly non2xx: number;
  readonly socketErrors: number;
}

/** Options for runWrk. */
export interface WrkOptions {
  readonly url: string;
  readonly script: string;
  readonly connections: number;
  readonly durationSec: number;
  /** CPU wrk is pinned to; wrk runs one thread there. */
  readonly cpu: number;
  /** Passed to the script (`-- <tag>`): the event id prefix of this run. */
  readonly tag: string;
}

/** Runs `taskset -c <cpu> wrk -t1 -c<n> -d<s>s --latency -s <script> <url> -- <tag>` and parses it. */
export async function runWrk(o: WrkOptions): Promise<WrkOutput> {
  const args = [
    '-c',
    String(o.cpu),
    'wrk',
    '-t1',
    `-c${o.connections}`,
    `-d${o.durationSec}s`,
    '--timeout',
    '5s',
    '--latency',
  ];
  const { stdout } = await runCommand('taskset', [...args, '-s', o.script, o.url, '--', o.tag]);
  return parseWrkOutput(stdout);
}

const UNIT_US: Readonly<Record<string, number>> = { us: 1, ms: 1000, s: 1_000_000, m: 60_000_000 };

function durationUs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text);
  if (m === null) throw new Error(`wrk: cannot read duration "${text}"`);
  return Number(m[1]) * (UNIT_US[m[2] as string] ?? Number.NaN);
}

/** Parses wrk's `--latency` report. */
export function parseWrkOutput(out: string): WrkOutput {
  const need = (re: RegExp, what: string): RegExpExecArray => {
    const m = re.exec(out);
    if (m === null) throw new Error(`wrk output has no ${what}:\n${out}`);
    return m;
  };
  const total = need(/(\d+) requests in ([\d.]+)(us|ms|s|m),/, 'request total');
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket === null ? 0 : socket.slice(1, 5).reduce((s, v) => s + Number(v), 0);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  return {
    requests: Number(total[1]),
    seconds: durationUs(`${total[2]}${total[3]}`) / 1e6,
    requestsPerSec: Number(need(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec')[1]),
    p50Us: durationUs(need(/^\s+50%\s+(\S+)\s*$/m, '50% latency (run with --latency)')[1] as string),
    p99Us: durationUs(need(/^\s+99%\s+(\S+)\s*$/m, '99% latency (run with --latency)')[1] as string),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    socketErrors,
  };
}
