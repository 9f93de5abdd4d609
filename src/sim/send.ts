/** Load senders: replay labelled records against the decision service over REST or gRPC and tally outcomes. */
import http from 'node:http';
import https from 'node:https';
import { fromBinary, fromJson, toBinary } from '@bufbuild/protobuf';
import * as grpc from '@grpc/grpc-js';
import {
  type DecideRequest,
  DecideRequestSchema,
  type DecideResponse,
  DecideResponseSchema,
} from '../gen/risk/v1/risk_pb.js';
import { FRAUD_SCENARIOS, type LabelledRecord, type Scenario } from './types.js';

/** Decision names as counted by the load runner (UNSPECIFIED for anything unrecognised). */
export type DecisionName = 'ALLOW' | 'CHALLENGE' | 'REVIEW' | 'BLOCK' | 'UNSPECIFIED';

/** Decision names in display order. */
export const DECISIONS: readonly DecisionName[] = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK', 'UNSPECIFIED'];

const BY_NUMBER: readonly DecisionName[] = ['UNSPECIFIED', 'ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'];

/** Normalises a decision from JSON (enum name or number) or a decoded message. */
export function decisionName(v: unknown): DecisionName {
  if (typeof v === 'number') return BY_NUMBER[v] ?? 'UNSPECIFIED';
  if (typeof v === 'string') {
    const s = v.toUpperCase().replace(/^DECISION_/, '');
    return (DECISIONS as readonly string[]).includes(s) ? (s as DecisionName) : 'UNSPECIFIED';
  }
  return 'UNSPECIFIED';
}

/** Sends one record and resolves with the decision; rejects (with a short error code as message) on failure. */
export type SendFn = (rec: LabelledRecord) => Promise<DecisionName>;

/** A sender with its connection pool. */
export interface Sender {
  send: SendFn;
  close(): void;
}

/** Error thrown by senders; `code` is a short tag used to group errors (e.g. http_503, timeout). */
export class SendError extends Error {
  constructor(
    readonly code: string,
    message?: string,
  ) {
    super(message ?? code);
  }
}

/** REST sender: POST {baseUrl}/v1/decisions with the DecideRequest JSON, over a keep-alive agent. */
export function restSender(baseUrl: string, opts: { concurrency?: number; timeoutMs?: number } = {}): Sender {
  const url = new URL(baseUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new SendError('bad_url', `unsupported URL ${baseUrl}`);
  const isHttps = url.protocol === 'https:';
  const agentOpts = { keepAlive: true, maxSockets: opts.concurrency ?? 16 };
  const agent = isHttps ? new https.Agent(agentOpts) : new http.Agent(agentOpts);
  const request = isHttps ? https.request : http.request;
  const path = `${url.pathname.replace(/\/+$/, '')}/v1/decisions`;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const send: SendFn = (rec) =>
    new Promise<DecisionName>((resolve, reject) => {
      const body = Buffer.from(JSON.stringify(rec.request));
      const req = request(
        {
          agent,
          hostname: url.hostname,
          port: url.port,
          path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': body.length,
            accept: 'application/json',
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', (e) => reject(new SendError('response_error', e.message)));
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              reject(new SendError(`http_${status}`));
              return;
            }
            try {
              const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { decision?: unknown };
              resolve(decisionName(json.decision));
            } catch {
              reject(new SendError('bad_json'));
            }
          });
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new SendError('timeout')));
      req.on('error', (e: NodeJS.ErrnoException) =>
        reject(e instanceof SendError ? e : new SendError(e.code ?? 'network_error', e.message)),
      );
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

/** gRPC method path of DecisionService.Decide. */
export const DECIDE_METHOD = '/risk.v1.DecisionService/Decide';

/** gRPC sender: unary risk.v1.DecisionService/Decide over a generic @grpc/grpc-js client (insecure). */
export function grpcSender(addr: string, opts: { timeoutMs?: number } = {}): Sender {
  const client = new grpc.Client(addr, grpc.credentials.createInsecure());
  const timeoutMs = opts.timeoutMs ?? 5000;
  const serialize = (m: DecideRequest) => Buffer.from(toBinary(DecideRequestSchema, m));
  const deserialize = (b: Buffer) => fromBinary(DecideResponseSchema, b);
  const send: SendFn = (rec) =>
    new Promise<DecisionName>((resolve, reject) => {
      let msg: DecideRequest;
      try {
        msg = fromJson(DecideRequestSchema, rec.request);
      } catch (e) {
        reject(new SendError('bad_request', (e as Error).message));
        return;
      }
      client.makeUnaryRequest<DecideRequest, DecideResponse>(
        DECIDE_METHOD,
        serialize,
        deserialize,
        msg,
        new grpc.Metadata(),
        { deadline: Date.now() + timeoutMs },
        (err, res) => {
          if (err) {
            reject(new SendError(`grpc_${grpc.status[err.code] ?? err.code}`, err.details));
            return;
          }
          resolve(decisionName(res?.decision ?? 0));
        },
      );
    });
  return { send, close: () => client.close() };
}

/** Decision counts by decision name. */
export type DecisionCounts = Record<DecisionName, number>;

function emptyCounts(): DecisionCounts {
  return { ALLOW: 0, CHALLENGE: 0, REVIEW: 0, BLOCK: 0, UNSPECIFIED: 0 };
}

/** Nearest-rank percentile (p in [0, 100]) of a sorted array; 0 when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? 0;
}

/** Final (or running) tally of a load run. */
export interface LoadSummary {
  sent: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  elapsedMs: number;
  /** Completed requests per second. */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  byLabel: { legit: DecisionCounts; fraud: DecisionCounts };
  byScenario: Partial<Record<Scenario, DecisionCounts>>;
}

/** Running progress: the totals so far plus the last interval's rate and latency. */
export interface LoadProgress {
  summary: LoadSummary;
  intervalRate: number;
  intervalP50Ms: number;
  intervalP99Ms: number;
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** Target events per second; unlimited (as fast as concurrency allows) when undefined. */
  rate?: number | undefined;
  /** Requests in flight at most. Default 16. */
  concurrency?: number | undefined;
  /** Called every progressIntervalMs with running numbers. */
  onProgress?: ((p: LoadProgress) => void) | undefined;
  progressIntervalMs?: number | undefined;
  /** Stop taking new records once aborted; in-flight requests finish. */
  signal?: AbortSignal | undefined;
}

class Tally {
  sent = 0;
  ok = 0;
  errors = 0;
  readonly errorKinds: Record<string, number> = {};
  readonly latencies: number[] = [];
  window: number[] = [];
  readonly byLabel = { legit: emptyCounts(), fraud: emptyCounts() };
  readonly byScenario: Partial<Record<Scenario, DecisionCounts>> = {};

  record(rec: LabelledRecord, latencyMs: number, decision: DecisionName | undefined, error?: string): void {
    this.sent++;
    if (decision === undefined) {
      this.errors++;
      const k = error ?? 'error';
      this.errorKinds[k] = (this.errorKinds[k] ?? 0) + 1;
      return;
    }
    this.ok++;
    this.latencies.push(latencyMs);
    this.window.push(latencyMs);
    (rec.label === 1 ? this.byLabel.fraud : this.byLabel.legit)[decision]++;
    let sc = this.byScenario[rec.scenario];
    if (sc === undefined) {
      sc = emptyCounts();
      this.byScenario[rec.scenario] = sc;
    }
    sc[decision]++;
  }

  summary(elapsedMs: number): LoadSummary {
    const sorted = Float64Array.from(this.latencies).sort();
    return {
      sent: this.sent,
      ok: this.ok,
      errors: this.errors,
      errorKinds: { ...this.errorKinds },
      elapsedMs,
      throughput: elapsedMs > 0 ? (this.sent * 1000) / elapsedMs : 0,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] ?? 0) : 0,
      byLabel: { legit: { ...this.byLabel.legit }, fraud: { ...this.byLabel.fraud } },
      byScenario: Object.fromEntries(Object.entries(this.byScenario).map(([k, v]) => [k, { ...v }])),
    };
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends every record with at most `concurrency` in flight, paced to `rate` events/s when given,
 * and returns the tally (errors are counted, never thrown).
 */
export async function runLoad(
  records: Iterable<LabelledRecord>,
  send: SendFn,
  opts: LoadOptions = {},
): Promise<LoadSummary> {
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  const rate = opts.rate;
  const it = records[Symbol.iterator]();
  const tally = new Tally();
  const t0 = performance.now();
  let taken = 0;
  let done = false;
  let lastTick = t0;
  let lastSent = 0;
  const timer =
    opts.onProgress === undefined
      ? undefined
      : setInterval(() => {
          const now = performance.now();
          const w = tally.window.sort((a, b) => a - b);
          tally.window = [];
          opts.onProgress?.({
            summary: tally.summary(now - t0),
            intervalRate: ((tally.sent - lastSent) * 1000) / Math.max(1, now - lastTick),
            intervalP50Ms: percentile(w, 50),
            intervalP99Ms: percentile(w, 99),
          });
          lastTick = now;
          lastSent = tally.sent;
        }, opts.progressIntervalMs ?? 1000);
  timer?.unref();

  const worker = async () => {
    for (;;) {
      if (done || opts.signal?.aborted === true) return;
      const r = it.next();
      if (r.done === true) {
        done = true;
        return;
      }
      const rec = r.value;
      const slot = taken++;
      if (rate !== undefined && rate > 0) {
        const due = t0 + (slot * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
      }
      const start = performance.now();
      try {
        const decision = await send(rec);
        tally.record(rec, performance.now() - start, decision);
      } catch (e) {
        const code = e instanceof SendError ? e.code : e instanceof Error ? e.name : 'error';
        tally.record(rec, performance.now() - start, undefined, code);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    if (timer !== undefined) clearInterval(timer);
  }
  return tally.summary(performance.now() - t0);
}

function pad(s: string | number, n: number): string {
  return String(s).padStart(n);
}

function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`;
}

/** Human-readable final table: totals, latency, errors, decisions by label and by scenario. */
export function formatSummary(s: LoadSummary): string {
  const lines: string[] = [];
  lines.push(
    `sent ${s.sent}  ok ${s.ok}  errors ${s.errors}  elapsed ${(s.elapsedMs / 1000).toFixed(1)}s  ` +
      `throughput ${s.throughput.toFixed(0)}/s`,
  );
  lines.push(
    `client latency ms  p50 ${s.p50Ms.toFixed(2)}  p99 ${s.p99Ms.toFixed(2)}  max ${s.maxMs.toFixed(2)}`,
  );
  const kinds = Object.entries(s.errorKinds);
  if (kinds.length > 0) lines.push(`errors by kind: ${kinds.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  const w = 18;
  lines.push('');
  lines.push(`${'label'.padEnd(w)}${DECISIONS.map((d) => pad(d, 12)).join('')}${pad('total', 10)}`);
  const row = (name: string, c: DecisionCounts) => {
    const total = DECISIONS.reduce((a, d) => a + c[d], 0);
    lines.push(`${name.padEnd(w)}${DECISIONS.map((d) => pad(c[d], 12)).join('')}${pad(total, 10)}`);
  };
  row('legit (0)', s.byLabel.legit);
  row('fraud (1)', s.byLabel.fraud);
  for (const k of FRAUD_SCENARIOS) {
    const c = s.byScenario[k];
    if (c !== undefined) row(`  ${k}`, c);
  }
  const l = s.byLabel.legit;
  const f = s.byLabel.fraud;
  const lt = DECISIONS.reduce((a, d) => a + l[d], 0);
  const ft = DECISIONS.reduce((a, d) => a + f[d], 0);
  lines.push('');
  lines.push(
    `fraud flagged (REVIEW+BLOCK) ${pct(f.REVIEW + f.BLOCK, ft)}  fraud blocked ${pct(f.BLOCK, ft)}  ` +
      `legit friction (not ALLOW) ${pct(lt - l.ALLOW, lt)}  legit blocked ${pct(l.BLOCK, lt)}`,
  );
  return lines.join('\n');
}

/** One-line running summary for progress output. */
export function formatProgress(p: LoadProgress): string {
  const s = p.summary;
  return (
    `[${pad((s.elapsedMs / 1000).toFixed(1), 7)}s] sent ${s.sent} errors ${s.errors} ` +
    `rate ${p.intervalRate.toFixed(0)}/s p50 ${p.intervalP50Ms.toFixed(2)}ms p99 ${p.intervalP99Ms.toFixed(2)}ms ` +
    `block legit ${s.byLabel.legit.BLOCK} fraud ${s.byLabel.fraud.BLOCK}`
  );
}
