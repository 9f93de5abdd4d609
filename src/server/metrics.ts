import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DecisionResult } from '../domain/index.js';
import type { QualitySnapshot } from '../engine/index.js';

/** Prometheus metrics of one service instance (a registry per instance keeps tests independent). */
export interface Metrics {
  readonly registry: Registry;
  /** Counts a finished request by transport and outcome code (OK or an error code). */
  request(transport: 'rest' | 'grpc', code: string): void;
  decision(r: DecisionResult, seconds: number): void;
  /** Observes one ONNX batch run. */
  modelBatch(size: number, seconds: number): void;
  /** Counts the rules and device checks that fired on a fresh decision, live and shadow. */
  ruleHits(live: readonly string[], shadow: readonly string[]): void;
  /**
   * Observes a fresh decision's model scores: the champion's, and the challenger's in shadow when it
   * scored this event (whether its tier agreed with the champion's, or that it failed).
   */
  modelScores(
    champion: number | undefined,
    challenger: { score?: number; agrees?: boolean; failed?: true } | undefined,
  ): void;
}

/** Creates the metrics; gauges that read live state are collected on scrape, not on the hot path. */
export function createMetrics(gauges: {
  entities: () => number;
  evictions: () => number;
  inFlight: () => number;
  /** Partial matches of sequence rules: keys and runs held, and those dropped by the bounds (monotonic). */
  sequences?: () => { keys: number; runs: number; evictedKeys: number; evictedRuns: number };
  /** Versions serving now: the bundle, its model and its challenger (empty when none). */
  versions?: () => { bundle: string; model: string; challenger: string };
  /** Bundle changes since start by result (loaded/published/rolled back, or rejected). */
  bundleChanges?: () => { applied: number; rejected: number };
  /** Outcomes recorded since start, by type. */
  outcomes?: () => Readonly<Record<string, number>>;
  /** The decision log's counters, when it is on. */
  decisionLog?: () => { appended: number; written: number; dropped: number; queued: number; errors: number };
  /** Each decision sink's counters (RISK_DECISION_SINKS), when there are any. */
  decisionSinks?: () => readonly {
    sink: string;
    appended: number;
    written: number;
    dropped: number;
    queued: number;
    errors: number;
  }[];
  /** The journal's figures, when there is one. */
  durability?: () => {
    readonly skippedFrames: number;
    readonly journal: { readonly pending: number; readonly errors: number };
    readonly snapshotErrors: number;
  };
  /** Failures of the Redis backend by kind (monotonic), when it is in use. */
  redis?: () => Readonly<Record<string, number>>;
  /** Data quality over its current window (docs/data-quality.md). */
  quality?: () => QualitySnapshot;
  /** Alerts by state since start: fired, sent, retried, failed, deadLettered, dropped, suppressed. */
  alerts?: () => Readonly<Record<string, number>>;
  /** Review cases by state (open, claimed, resolved; dropped: monotonic), read from the queue's store. */
  review?: () => Promise<{ open: number; claimed: number; resolved: number; dropped: number }>;
}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'risk_requests_total',
    help: 'Requests by transport and outcome code',
    labelNames: ['transport', 'code'] as const,
    registers: [registry],
  });
  const decisions = new Counter({
    name: 'risk_decisions_total',
    help: 'Fresh decisions by outcome',
    labelNames: ['decision'] as const,
    registers: [registry],
  });
  const degraded = new Counter({
    name: 'risk_degraded_total',
    help: 'Decisions that skipped a stage',
    labelNames: ['stage'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'risk_decide_seconds',
    help: 'Time inside the core decide()',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
    registers: [registry],
  });
  new Gauge({
    name: 'risk_counter_entities',
    help: 'Entities held by the sliding-window counter store',
    registers: [registry],
    collect() {
      this.set(gauges.entities());
    },
  });
  new Gauge({
    name: 'risk_counter_evictions',
    help: 'Entities evicted from the counter store by its memory ceiling (monotonic)',
    registers: [registry],
    collect() {
      this.set(gauges.evictions());
    },
  });
  new Gauge({
    name: 'risk_in_flight',
    help: 'Decisions in progress',
    registers: [registry],
    collect() {
      this.set(gauges.inFlight());
    },
  });
  const sequences = gauges.sequences;
  if (sequences !== undefined)
    new Gauge({
      name: 'risk_sequence_state',
      help: 'Sequence-rule partial matches: keys and runs held, keys and runs evicted by the bounds (monotonic)',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        const s = sequences();
        this.labels('keys').set(s.keys);
        this.labels('runs').set(s.runs);
        this.labels('evicted_keys').set(s.evictedKeys);
        this.labels('evicted_runs').set(s.evictedRuns);
      },
    });
  const stages = new Histogram({
    name: 'risk_stage_seconds',
    help: 'Time of each decision stage (features, lists, device, model, sequences, rules, combine, commit)',
    labelNames: ['stage'] as const,
    buckets: [0.000002, 0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.005],
    registers: [registry],
  });
  const byStage = new Map<string, ReturnType<typeof stages.labels>>();
  const versions = gauges.versions;
  if (versions !== undefined)
    new Gauge({
      name: 'risk_bundle_info',
      help: 'The bundle, model and challenger versions serving now (value 1)',
      labelNames: ['bundle_version', 'model_version', 'challenger_version'] as const,
      registers: [registry],
      collect() {
        const v = versions();
        this.reset();
        this.labels(v.bundle, v.model, v.challenger).set(1);
      },
    });
  const changes = gauges.bundleChanges;
  if (changes !== undefined)
    new Gauge({
      name: 'risk_bundle_changes',
      help: 'Bundle loads, publishes and rollbacks since start, and rejected ones (a bad bundle; the old one kept serving)',
      labelNames: ['result'] as const,
      registers: [registry],
      collect() {
        const c = changes();
        this.labels('applied').set(c.applied);
        this.labels('rejected').set(c.rejected);
      },
    });
  const outcomeCounts = gauges.outcomes;
  if (outcomeCounts !== undefined)
    new Gauge({
      name: 'risk_outcomes',
      help: 'Outcomes recorded since start, by type (monotonic)',
      labelNames: ['type'] as const,
      registers: [registry],
      collect() {
        for (const [type, n] of Object.entries(outcomeCounts())) this.labels(type).set(n);
      },
    });
  const log = gauges.decisionLog;
  if (log !== undefined)
    new Gauge({
      name: 'risk_decision_log',
      help: 'Decision log records by state: appended, written (fdatasync-ed), dropped (queue full), queued now, write errors (monotonic but queued)',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const s = log();
        this.labels('appended').set(s.appended);
        this.labels('written').set(s.written);
        this.labels('dropped').set(s.dropped);
        this.labels('queued').set(s.queued);
        this.labels('errors').set(s.errors);
      },
    });
  const sinks = gauges.decisionSinks;
  if (sinks !== undefined)
    new Gauge({
      name: 'risk_decision_sink',
      help: 'Decision sink records by sink and state: appended, written (acknowledged by the server), dropped (queue full), queued now, failed writes (errors; each retried)',
      labelNames: ['sink', 'state'] as const,
      registers: [registry],
      collect() {
        for (const s of sinks())
          for (const state of ['appended', 'written', 'dropped', 'queued', 'errors'] as const)
            this.labels(s.sink, state).set(s[state]);
      },
    });
  const durability = gauges.durability;
  if (durability !== undefined) {
    new Gauge({
      name: 'risk_journal_skipped_frames',
      help: 'Journal frames skipped at start-up as torn or corrupt (each one also logged)',
      registers: [registry],
      collect() {
        this.set(durability().skippedFrames);
      },
    });
    new Gauge({
      name: 'risk_journal_pending_records',
      help: 'Decisions journaled but not yet written and fdatasync-ed',
      registers: [registry],
      collect() {
        this.set(durability().journal.pending);
      },
    });
    new Gauge({
      name: 'risk_journal_errors',
      help: 'Failed journal writes and snapshots since start (monotonic)',
      registers: [registry],
      collect() {
        const d = durability();
        this.set(d.journal.errors + d.snapshotErrors);
      },
    });
  }
  const redis = gauges.redis;
  if (redis !== undefined)
    new Gauge({
      name: 'risk_redis_failures',
      help: 'Redis calls that failed or outlasted RISK_REDIS_TIMEOUT_MS, by kind (monotonic)',
      labelNames: ['kind'] as const,
      registers: [registry],
      collect() {
        for (const [kind, n] of Object.entries(redis())) this.labels(kind).set(n);
      },
    });
  const quality = gauges.quality;
  if (quality !== undefined) {
    new Gauge({
      name: 'risk_data_quality_present_ratio',
      help: 'Share of events (those the field applies to) that carried the field, by source, over the current data-quality window',
      labelNames: ['source', 'field'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of quality().sources)
          for (const f of s.fields) if (f.present !== null) this.labels(s.source, f.field).set(f.present);
      },
    });
    new Gauge({
      name: 'risk_data_quality_valid_ratio',
      help: 'Share of the events carrying the field whose value was well formed (intake rejections count as not), by source, over the current window',
      labelNames: ['source', 'field'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of quality().sources)
          for (const f of s.fields) if (f.valid !== null) this.labels(s.source, f.field).set(f.valid);
      },
    });
  }
  const alerts = gauges.alerts;
  if (alerts !== undefined)
    new Counter({
      name: 'risk_alerts_total',
      help: 'Alerts by state: fired by a trigger, sent (2xx), retried, failed attempts, dead_lettered, dropped (queue full), suppressed (a trigger’s rate limit)',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const a = alerts();
        this.reset();
        for (const [k, v] of Object.entries(a))
          this.labels(k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)).inc(v);
      },
    });
  const review = gauges.review;
  if (review !== undefined)
    new Gauge({
      name: 'risk_review_cases',
      help: 'Review cases by state: open (a claim past its lease included), claimed, resolved (kept), dropped (queue full, monotonic)',
      labelNames: ['state'] as const,
      registers: [registry],
      async collect() {
        const r = await review().catch(() => undefined);
        if (r === undefined) return;
        this.labels('open').set(r.open);
        this.labels('claimed').set(r.claimed);
        this.labels('resolved').set(r.resolved);
        this.labels('dropped').set(r.dropped);
      },
    });
  const batchSize = new Histogram({
    name: 'risk_model_batch_size',
    help: 'Events scored per ONNX run (requests arriving together are micro-batched)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [registry],
  });
  const batchSeconds = new Histogram({
    name: 'risk_model_batch_seconds',
    help: 'Wall time of one ONNX run, queueing on the event loop included',
    buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025],
    registers: [registry],
  });
  const ruleHits = new Counter({
    name: 'risk_rule_hits_total',
    help: 'Rules, device checks and sequences that fired, by id and mode (live ones act, shadow ones only count)',
    labelNames: ['rule', 'mode'],
    registers: [registry],
  });
  const scores = new Histogram({
    name: 'risk_model_score',
    help: 'Model scores of fresh decisions: the champion, and the challenger in shadow on its share',
    labelNames: ['model'] as const,
    buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9],
    registers: [registry],
  });
  const championScores = scores.labels('champion');
  const challengerScores = scores.labels('challenger');
  const challengerResults = new Counter({
    name: 'risk_challenger_scores_total',
    help: 'Challenger shadow scores by result: its tier agrees or disagrees with the champion’s, or it failed',
    labelNames: ['result'] as const,
    registers: [registry],
  });
  const byRule = new Map<string, ReturnType<typeof ruleHits.labels>>();
  const hit = (id: string, mode: 'live' | 'shadow') => {
    const k = `${mode}:${id}`;
    let c = byRule.get(k);
    if (c === undefined) {
      c = ruleHits.labels(id, mode);
      byRule.set(k, c);
    }
    c.inc();
  };
  // Bound children: labels() hashes its arguments on every call, which the hot path need not pay.
  const byDecision = new Map<string, ReturnType<typeof decisions.labels>>();
  const byCode = new Map<string, ReturnType<typeof requests.labels>>();
  return {
    registry,
    request(transport, code) {
      const k = `${transport}:${code}`;
      let c = byCode.get(k);
      if (c === undefined) {
        c = requests.labels(transport, code);
        byCode.set(k, c);
      }
      c.inc();
    },
    ruleHits(live, shadow) {
      for (const id of live) hit(id, 'live');
      for (const id of shadow) hit(id, 'shadow');
    },
    modelScores(champion, challenger) {
      if (champion !== undefined) championScores.observe(champion);
      if (challenger === undefined) return;
      if (challenger.failed === true || challenger.score === undefined) {
        challengerResults.labels('failed').inc();
        return;
      }
      challengerScores.observe(challenger.score);
      challengerResults.labels(challenger.agrees === true ? 'agree' : 'disagree').inc();
    },
    modelBatch(size, seconds) {
      batchSize.observe(size);
      batchSeconds.observe(seconds);
    },
    decision(r, seconds) {
      if (r.replayed) return;
      let d = byDecision.get(r.decision);
      if (d === undefined) {
        d = decisions.labels(r.decision);
        byDecision.set(r.decision, d);
      }
      d.inc();
      for (const s of r.degraded) degraded.labels(s).inc();
      latency.observe(seconds);
      for (const t of r.timings) {
        let h = byStage.get(t.stage);
        if (h === undefined) {
          h = stages.labels(t.stage);
          byStage.set(t.stage, h);
        }
        h.observe(t.micros / 1e6);
      }
    },
  };
}
