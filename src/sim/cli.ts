/** Command-line front end of the simulator (`npm run simulate -- ...`): parse flags, write NDJSON or send load. */
import { once } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatProgress, formatSummary, grpcSender, restSender, runLoad, type Sender } from './send.js';
import { createSimulator, DEFAULT_START } from './simulator.js';
import { FRAUD_SCENARIOS, type FraudScenario, type LabelledRecord, type ScenarioMix } from './types.js';

/** Usage text printed by --help. */
export const USAGE = `Usage: npm run simulate -- [options]

Generates seeded, labelled risk.v1.DecideRequest traffic (legit users plus fraud scenarios), and
writes it as NDJSON or sends it to the decision service.

Output (default: NDJSON to stdout):
  --out FILE            write records {"label","scenario","request"} one per line ("-" = stdout)
  --target rest|grpc    send each request to the service and print a summary table
  --url URL             REST base URL (default http://127.0.0.1:8080); POST {url}/v1/decisions
  --addr HOST:PORT      gRPC address (default 127.0.0.1:50051); risk.v1.DecisionService/Decide
  --rate R              events per second (default: as fast as --concurrency allows)
  --concurrency C       requests in flight (default 16)
  --timeout T           per-request timeout, ms or a duration like 2s (default 5000)
  --quiet               no running progress on stderr

Traffic:
  --count N             number of events (default 10000 when --duration is not given)
  --duration D          simulated time span, e.g. 90s, 30m, 6h, 2d, 1h30m
  --seed S              PRNG seed, integer 0..4294967295 (default 1)
  --users N             legit users in the population (default 2000)
  --fraud-rate F        approximate fraction of fraud events, 0 <= F < 1 (default 0.02)
  --mix LIST            fraud event share per scenario, e.g. card_testing=3,stolen_card=1
                        (scenarios: ${FRAUD_SCENARIOS.join(', ')})
  --start TIME          simulated start, RFC 3339 (default ${DEFAULT_START})
  -h, --help            show this help

Exit codes: 0 ok, 1 runtime failure (or no request succeeded), 2 bad flags.
`;

/** A bad command line; the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses a duration like `500ms`, `90s`, `30m`, `6h`, `2d` or `1h30m` into milliseconds; throws UsageError. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (const m of text.trim().matchAll(re)) {
    total += Number(m[1]) * (UNITS[m[2] ?? ''] ?? 0);
    matched += m[0].length;
  }
  if (matched === 0 || matched !== text.trim().length || !(total > 0)) {
    throw new UsageError(`invalid duration "${text}" (use e.g. 90s, 30m, 6h, 2d, 1h30m)`);
  }
  return Math.round(total);
}

/** Parsed command line. */
export interface CliOptions {
  help: boolean;
  seed: number;
  users: number;
  fraudRate: number;
  mix: ScenarioMix | undefined;
  start: string;
  count: number | undefined;
  durationMs: number | undefined;
  out: string | undefined;
  target: 'rest' | 'grpc' | undefined;
  url: string;
  addr: string;
  rate: number | undefined;
  concurrency: number;
  timeoutMs: number;
  quiet: boolean;
}

function intFlag(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer in [${min}, ${max}], got "${v}"`);
  }
  return n;
}

function numFlag(name: string, v: string, ok: (n: number) => boolean, what: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || !ok(n))
    throw new UsageError(`--${name} must be ${what}, got "${v}"`);
  return n;
}

/** Parses `--mix card_testing=3,stolen_card=1`. */
export function parseMix(text: string): ScenarioMix {
  const mix: ScenarioMix = {};
  for (const part of text.split(',')) {
    const [k, v, extra] = part.split('=').map((s) => s.trim());
    if (k === undefined || k === '' || v === undefined || extra !== undefined) {
      throw new UsageError(`--mix expects scenario=weight pairs separated by commas, got "${text}"`);
    }
    if (!(FRAUD_SCENARIOS as readonly string[]).includes(k)) {
      throw new UsageError(`--mix: unknown scenario "${k}" (known: ${FRAUD_SCENARIOS.join(', ')})`);
    }
    mix[k as FraudScenario] = numFlag('mix', v, (n) => n >= 0, 'a non-negative weight');
  }
  if (Object.values(mix).every((w) => w === 0)) throw new UsageError('--mix gives every scenario weight 0');
  return mix;
}

/** Parses argv (without node and script); throws UsageError on unknown flags or bad values. */
export function parseCliArgs(argv: readonly string[]): CliOptions {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        out: { type: 'string', short: 'o' },
        count: { type: 'string', short: 'n' },
        duration: { type: 'string', short: 'd' },
        seed: { type: 'string' },
        users: { type: 'string' },
        'fraud-rate': { type: 'string' },
        mix: { type: 'string' },
        start: { type: 'string' },
        target: { type: 'string' },
        url: { type: 'string' },
        addr: { type: 'string' },
        rate: { type: 'string' },
        concurrency: { type: 'string' },
        timeout: { type: 'string' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const str = (k: string): string | undefined => {
    const v = values[k];
    return typeof v === 'string' ? v : undefined;
  };
  const help = values.help === true;
  const target = str('target');
  if (target !== undefined && target !== 'rest' && target !== 'grpc') {
    throw new UsageError(`--target must be "rest" or "grpc", got "${target}"`);
  }
  const start = str('start') ?? DEFAULT_START;
  if (!/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2}))?$/.test(start) || Number.isNaN(Date.parse(start))) {
    throw new UsageError(`--start must be an RFC 3339 time like 2026-11-21T10:00:00Z, got "${start}"`);
  }
  const url = str('url');
  if (url !== undefined) {
    if (target !== 'rest') throw new UsageError('--url needs --target rest');
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(url).protocol);
    } catch {}
    if (!ok) throw new UsageError(`--url must be an http(s) URL, got "${url}"`);
  }
  const addr = str('addr');
  if (addr !== undefined) {
    if (target !== 'grpc') throw new UsageError('--addr needs --target grpc');
    if (!/^\S+:\d+$/.test(addr)) throw new UsageError(`--addr must be HOST:PORT, got "${addr}"`);
  }
  for (const k of ['rate', 'concurrency', 'timeout']) {
    if (str(k) !== undefined && target === undefined) throw new UsageError(`--${k} needs --target rest|grpc`);
  }
  const out = str('out');
  if (out === '-' && target !== undefined) {
    throw new UsageError('--out - (stdout) cannot be combined with --target; write to a file instead');
  }
  const countS = str('count');
  const durS = str('duration');
  const timeoutS = str('timeout');
  const mixS = str('mix');
  const rateS = str('rate');
  const seedS = str('seed');
  const usersS = str('users');
  const frS = str('fraud-rate');
  const concS = str('concurrency');
  const durationMs = durS === undefined ? undefined : parseDuration(durS);
  return {
    help,
    seed: seedS === undefined ? 1 : intFlag('seed', seedS, 0, 0xffffffff),
    users: usersS === undefined ? 2000 : intFlag('users', usersS, 1, 1_000_000),
    fraudRate: frS === undefined ? 0.02 : numFlag('fraud-rate', frS, (n) => n >= 0 && n < 1, 'in [0, 1)'),
    mix: mixS === undefined ? undefined : parseMix(mixS),
    start,
    count:
      countS === undefined
        ? durationMs === undefined
          ? 10_000
          : undefined
        : intFlag('count', countS, 1, Number.MAX_SAFE_INTEGER),
    durationMs,
    out,
    target,
    url: url ?? 'http://127.0.0.1:8080',
    addr: addr ?? '127.0.0.1:50051',
    rate: rateS === undefined ? undefined : numFlag('rate', rateS, (n) => n > 0, 'a positive number'),
    concurrency: concS === undefined ? 16 : intFlag('concurrency', concS, 1, 10_000),
    timeoutMs:
      timeoutS === undefined ? 5000 : /^\d+$/.test(timeoutS) ? Number(timeoutS) : parseDuration(timeoutS),
    quiet: values.quiet === true,
  };
}

/** Writable streams the CLI prints to (process.stdout / process.stderr in the script). */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The NDJSON line of a record: exactly {"label","scenario","request"}. */
export function recordLine(r: LabelledRecord): string {
  return JSON.stringify({ label: r.label, scenario: r.scenario, request: r.request });
}

function* take<T>(it: Iterable<T>, n: number | undefined, signal: AbortSignal | undefined): Generator<T> {
  if (n !== undefined && n <= 0) return;
  let i = 0;
  for (const x of it) {
    if (signal?.aborted === true) return;
    yield x;
    if (n !== undefined && ++i >= n) return;
  }
}

const CHUNK = 1 << 20;

/** Appends lines to a file with synchronous, chunked writes (usable from inside a sync generator). */
class FileSink {
  private readonly fd: number;
  private buf = '';
  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }
  add(line: string): void {
    this.buf += `${line}\n`;
    if (this.buf.length >= CHUNK) this.flush();
  }
  flush(): void {
    if (this.buf !== '') writeSync(this.fd, this.buf);
    this.buf = '';
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Runs the CLI; resolves with the process exit code (never calls process.exit). */
export async function runCli(argv: readonly string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  let opts: CliOptions;
  try {
    opts = parseCliArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`simulate: ${e.message}\nRun "npm run simulate -- --help" for usage.\n`);
      return 2;
    }
    throw e;
  }
  if (opts.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const sim = createSimulator({
    seed: opts.seed,
    users: opts.users,
    fraudRate: opts.fraudRate,
    start: opts.start,
    ...(opts.durationMs !== undefined ? { durationMs: opts.durationMs } : {}),
    ...(opts.mix !== undefined ? { mix: opts.mix } : {}),
  });
  const records = take(sim.events(), opts.count, signal);
  const t0 = performance.now();

  if (opts.target === undefined) {
    let n = 0;
    let fraud = 0;
    if (opts.out !== undefined && opts.out !== '-') {
      const sink = new FileSink(opts.out);
      try {
        for (const r of records) {
          sink.add(recordLine(r));
          n++;
          fraud += r.label;
        }
      } finally {
        sink.close();
      }
    } else {
      let buf = '';
      for (const r of records) {
        buf += `${recordLine(r)}\n`;
        n++;
        fraud += r.label;
        if (buf.length >= CHUNK) {
          const ok = io.stdout.write(buf);
          buf = '';
          if (!ok) await once(io.stdout, 'drain');
        }
      }
      if (buf !== '') io.stdout.write(buf);
    }
    if (!opts.quiet) {
      const s = (performance.now() - t0) / 1000;
      io.stderr.write(
        `simulate: ${n} records (${fraud} fraud) to ${opts.out ?? 'stdout'} in ${s.toFixed(2)}s ` +
          `(${(n / Math.max(s, 1e-9)).toFixed(0)}/s)\n`,
      );
    }
    return 0;
  }

  const sink = opts.out !== undefined ? new FileSink(opts.out) : undefined;
  const tee: Iterable<LabelledRecord> = sink
    ? (function* () {
        for (const r of records) {
          sink.add(recordLine(r));
          yield r;
        }
      })()
    : records;
  let sender: Sender;
  try {
    sender =
      opts.target === 'rest'
        ? restSender(opts.url, { concurrency: opts.concurrency, timeoutMs: opts.timeoutMs })
        : grpcSender(opts.addr, { timeoutMs: opts.timeoutMs });
  } catch (e) {
    sink?.close();
    io.stderr.write(`simulate: ${(e as Error).message}\n`);
    return 1;
  }
  const where = opts.target === 'rest' ? `${opts.url.replace(/\/+$/, '')}/v1/decisions` : opts.addr;
  if (!opts.quiet) {
    io.stderr.write(
      `simulate: sending to ${opts.target} ${where} (concurrency ${opts.concurrency}` +
        `${opts.rate !== undefined ? `, rate ${opts.rate}/s` : ''})\n`,
    );
  }
  try {
    const summary = await runLoad(tee, sender.send, {
      rate: opts.rate,
      concurrency: opts.concurrency,
      signal,
      onProgress: opts.quiet ? undefined : (p) => io.stderr.write(`${formatProgress(p)}\n`),
    });
    io.stdout.write(`${formatSummary(summary)}\n`);
    return summary.sent > 0 && summary.ok === 0 ? 1 : 0;
  } finally {
    sender.close();
    sink?.close();
  }
}
