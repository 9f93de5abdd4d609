import type { Action, DecisionResult, RiskEvent } from '../domain/index.js';
import type { DecisionRecord, SchemaRecord } from '../engine/index.js';

/** A decision record as the engine's observer builds it for the decision log (decisionRecord). */
export interface RecordHandle {
  toJSON(): DecisionRecord;
  readonly logSchema: SchemaRecord;
}

/** One decision as the live stream sends it. */
export interface LiveDecision {
  readonly decisionId: string;
  readonly eventId: string;
  /** Wall time it was decided (epoch ms). */
  readonly at: number;
  readonly type: string;
  readonly decision: Action;
  readonly score: number;
  readonly modelScore?: number;
  /** Codes of the first reasons (the deciding one first). */
  readonly reasons: readonly string[];
  /** Sum of the stage timings, microseconds. */
  readonly micros: number;
  /** Microseconds by stage. */
  readonly stages: Readonly<Record<string, number>>;
}

/** One second of decisions: the mix and the latency. */
export interface SecondSummary {
  /** Start of the second (epoch ms). */
  readonly t: number;
  readonly count: number;
  readonly mix: Readonly<Record<Action, number>>;
  /** Latency percentiles and mean of the second, microseconds (0 with no decision). */
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
}

/** What the stream has sent and skipped since start. */
export interface FeedStats {
  readonly subscribers: number;
  /** Decisions sent to subscribers (counted once however many listen). */
  readonly sent: number;
  /** Decisions not sent because the stream's rate cap was reached in their second. */
  readonly sampledOut: number;
  /** Events a slow subscriber's full buffer had no room for. */
  readonly skipped: number;
  /** Subscribers dropped for falling too far behind. */
  readonly dropped: number;
}

/** A connected stream client. */
export interface FeedSubscriber {
  /** Ends the subscription (the connection closed). */
  close(): void;
}

/** Where a subscriber's bytes go: a Node response, or anything with the same three calls. */
export interface FeedSink {
  /** Writes a chunk; false when the sink's buffer is full (wait for `drain`). */
  write(chunk: string): boolean;
  once(event: 'drain', listener: () => void): unknown;
  end(): void;
}

/** Options of createConsoleFeed. */
export interface ConsoleFeedOptions {
  /** Seconds of per-second summaries kept. */
  readonly historySeconds: number;
  /** Latest decision records kept whole for lookups (0: none). */
  readonly recent: number;
  /** Decisions streamed per second at most; the rest of the second are counted, not sent. Default 200. */
  readonly maxPerSecond?: number;
  /** Events a slow subscriber may have waiting; past it they are skipped. Default 1000. */
  readonly maxBuffer?: number;
  /** A subscriber that skipped this many events in a row is dropped. Default 5000. */
  readonly dropAfter?: number;
  /** Period of the heartbeat comment. Default 15 s. */
  readonly heartbeatMs?: number;
  /** Wall clock (epoch ms). */
  readonly now?: () => number;
}

/** The console's live view of decisions: per-second history, top rules, the stream and recent records. */
export interface ConsoleFeed {
  /** Observes a fresh decision (the engine's observer calls it). Must stay cheap: see createConsoleFeed. */
  observe(
    event: RiskEvent,
    result: DecisionResult,
    liveHits: readonly string[],
    record: RecordHandle | undefined,
  ): void;
  /** True when `observe` wants the record (recent > 0). */
  readonly keepsRecords: boolean;
  /** Streams decisions to `sink` as Server-Sent Events until closed. */
  subscribe(sink: FeedSink): FeedSubscriber;
  /** The last `seconds` seconds (oldest first, empty seconds included) and the top rules. */
  summary(seconds: number): {
    readonly now: number;
    readonly seconds: readonly SecondSummary[];
    readonly topRules: readonly { readonly id: string; readonly hits: number }[];
    readonly decisions: number;
    readonly since: number;
    readonly stream: FeedStats;
  };
  /** The newest kept record whose decisionId or eventId is `id`. */
  recent(id: string): RecordHandle | undefined;
  stats(): FeedStats;
  /** Ends every subscription and stops the timers. */
  close(): void;
}

const ACTION_INDEX: Readonly<Record<string, number>> = { ALLOW: 0, CHALLENGE: 1, REVIEW: 2, BLOCK: 3 };
/** Latency bins: four per octave of microseconds, up to 2^24 µs (about 17 s). */
const BINS_PER_OCTAVE = 4;
const BINS = 24 * BINS_PER_OCTAVE;
const binOf = (us: number) =>
  us <= 1 ? 0 : Math.min(BINS - 1, Math.floor(Math.log2(us) * BINS_PER_OCTAVE) + 1);
const binValue = (b: number) => (b === 0 ? 1 : 2 ** ((b - 0.5) / BINS_PER_OCTAVE));

interface Client {
  readonly sink: FeedSink;
  readonly queue: string[];
  waiting: boolean;
  skippedInARow: number;
  closed: boolean;
}

/**
 * Creates the feed. Per decision, `observe` updates one slot of typed arrays (the second's mix and
 * a log-scale latency histogram) and the rule hit counts, and keeps a reference to the record the
 * decision log already made; the live event is built and serialised only while someone listens, once
 * for all listeners, and at most `maxPerSecond` times a second. A listener whose socket is full gets
 * a bounded queue; beyond it events are skipped and counted, and a listener that keeps skipping is
 * dropped. The second and heartbeat timers run only while someone listens.
 */
export function createConsoleFeed(options: ConsoleFeedOptions): ConsoleFeed {
  const now = options.now ?? Date.now;
  const n = options.historySeconds;
  const maxPerSecond = options.maxPerSecond ?? 200;
  const maxBuffer = options.maxBuffer ?? 1000;
  const dropAfter = options.dropAfter ?? 5000;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const sec = new Float64Array(n).fill(-1);
  const mix = new Uint32Array(n * 4);
  const hist = new Uint32Array(n * BINS);
  const sum = new Float64Array(n);
  const max = new Float64Array(n);
  const ruleHits = new Map<string, number>();
  const since = now();
  let decisions = 0;
  // Recent records: a ring with the ids beside them, so a lookup serialises nothing it skips.
  const keep = options.recent;
  const ring: (RecordHandle | undefined)[] = new Array(keep);
  const ringDecision: string[] = new Array(keep);
  const ringEvent: string[] = new Array(keep);
  let ringAt = 0;
  // The stream.
  const clients = new Set<Client>();
  let streamSecond = -1;
  let streamedThisSecond = 0;
  let sent = 0;
  let sampledOut = 0;
  let skipped = 0;
  let dropped = 0;
  let ticker: ReturnType<typeof setInterval> | undefined;
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const slotOf = (s: number): number => {
    const i = s % n;
    if (sec[i] !== s) {
      sec[i] = s;
      mix.fill(0, i * 4, i * 4 + 4);
      hist.fill(0, i * BINS, (i + 1) * BINS);
      sum[i] = 0;
      max[i] = 0;
    }
    return i;
  };
  const secondAt = (s: number): SecondSummary => {
    const i = s % n;
    const t = s * 1000;
    if (sec[i] !== s)
      return {
        t,
        count: 0,
        mix: { ALLOW: 0, CHALLENGE: 0, REVIEW: 0, BLOCK: 0 },
        p50: 0,
        p99: 0,
        max: 0,
        mean: 0,
      };
    const m = mix.subarray(i * 4, i * 4 + 4);
    const count = (m[0] as number) + (m[1] as number) + (m[2] as number) + (m[3] as number);
    const h = hist.subarray(i * BINS, (i + 1) * BINS);
    const quantile = (q: number) => {
      if (count === 0) return 0;
      const rank = Math.ceil(q * count);
      let seen = 0;
      for (let b = 0; b < BINS; b++) {
        seen += h[b] as number;
        if (seen >= rank) return Math.min(max[i] as number, binValue(b));
      }
      return max[i] as number;
    };
    return {
      t,
      count,
      mix: {
        ALLOW: m[0] as number,
        CHALLENGE: m[1] as number,
        REVIEW: m[2] as number,
        BLOCK: m[3] as number,
      },
      p50: Math.round(quantile(0.5)),
      p99: Math.round(quantile(0.99)),
      max: max[i] as number,
      mean: count === 0 ? 0 : Math.round((sum[i] as number) / count),
    };
  };

  const drop = (c: Client) => {
    if (c.closed) return;
    c.closed = true;
    clients.delete(c);
    c.sink.end();
    if (clients.size === 0) stopTimers();
  };
  const flush = (c: Client) => {
    c.waiting = false;
    while (c.queue.length > 0 && !c.closed) {
      if (!c.sink.write(c.queue.shift() as string)) {
        c.waiting = true;
        c.sink.once('drain', () => flush(c));
        return;
      }
    }
  };
  const send = (chunk: string) => {
    for (const c of clients) {
      if (!c.waiting) {
        c.skippedInARow = 0;
        if (!c.sink.write(chunk)) {
          c.waiting = true;
          c.sink.once('drain', () => flush(c));
        }
      } else if (c.queue.length < maxBuffer) {
        c.skippedInARow = 0;
        c.queue.push(chunk);
      } else {
        skipped++;
        if (++c.skippedInARow >= dropAfter) {
          dropped++;
          drop(c);
        }
      }
    }
  };
  const stopTimers = () => {
    if (ticker !== undefined) clearInterval(ticker);
    if (heartbeat !== undefined) clearInterval(heartbeat);
    ticker = undefined;
    heartbeat = undefined;
  };
  const startTimers = () => {
    if (ticker !== undefined) return;
    // Each second, the second before it: the charts' next point.
    ticker = setInterval(() => {
      const s = Math.floor(now() / 1000) - 1;
      send(`event: second\ndata: ${JSON.stringify(secondAt(s))}\n\n`);
    }, 1000);
    ticker.unref();
    heartbeat = setInterval(() => send(': heartbeat\n\n'), heartbeatMs);
    heartbeat.unref();
  };

  const stats = (): FeedStats => ({ subscribers: clients.size, sent, sampledOut, skipped, dropped });

  return {
    keepsRecords: keep > 0,
    observe(event, result, liveHits, record) {
      const t = now();
      const s = Math.floor(t / 1000);
      const i = slotOf(s);
      let micros = 0;
      for (const st of result.timings) micros += st.micros;
      const m = i * 4 + (ACTION_INDEX[result.decision] ?? 0);
      mix[m] = (mix[m] as number) + 1;
      const h = i * BINS + binOf(micros);
      hist[h] = (hist[h] as number) + 1;
      sum[i] = (sum[i] as number) + micros;
      if (micros > (max[i] as number)) max[i] = micros;
      decisions++;
      for (const id of liveHits) ruleHits.set(id, (ruleHits.get(id) ?? 0) + 1);
      if (keep > 0 && record !== undefined) {
        ring[ringAt] = record;
        ringDecision[ringAt] = result.decisionId;
        ringEvent[ringAt] = result.eventId;
        ringAt = (ringAt + 1) % keep;
      }
      if (clients.size === 0) return;
      if (s !== streamSecond) {
        streamSecond = s;
        streamedThisSecond = 0;
      }
      if (streamedThisSecond >= maxPerSecond) {
        sampledOut++;
        return;
      }
      streamedThisSecond++;
      sent++;
      const stages: Record<string, number> = {};
      for (const st of result.timings) stages[st.stage] = st.micros;
      const live: LiveDecision = {
        decisionId: result.decisionId,
        eventId: result.eventId,
        at: t,
        type: event.type,
        decision: result.decision,
        score: result.score,
        ...(result.modelScore !== undefined ? { modelScore: result.modelScore } : {}),
        reasons: result.reasons.slice(0, 3).map((r) => r.code),
        micros,
        stages,
      };
      send(`event: decision\ndata: ${JSON.stringify(live)}\n\n`);
    },
    subscribe(sink) {
      const c: Client = { sink, queue: [], waiting: false, skippedInARow: 0, closed: false };
      clients.add(c);
      startTimers();
      // The comment opens the stream at once (proxies and fetch see the headers and a first chunk).
      send(': connected\n\n');
      return { close: () => drop(c) };
    },
    summary(seconds) {
      const t = now();
      const last = Math.floor(t / 1000);
      const span = Math.max(1, Math.min(seconds, n));
      const out: SecondSummary[] = [];
      for (let s = last - span + 1; s <= last; s++) out.push(secondAt(s));
      const topRules = [...ruleHits]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 20)
        .map(([id, hits]) => ({ id, hits }));
      return { now: t, seconds: out, topRules, decisions, since, stream: stats() };
    },
    recent(id) {
      for (let k = 1; k <= keep; k++) {
        const j = (ringAt - k + keep) % keep;
        if (ring[j] === undefined) return undefined;
        if (ringDecision[j] === id || ringEvent[j] === id) return ring[j];
      }
      return undefined;
    },
    stats,
    close() {
      for (const c of [...clients]) drop(c);
      stopTimers();
    },
  };
}
