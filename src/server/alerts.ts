import { randomUUID } from 'node:crypto';
import type { Clock, DecisionResult, RiskEvent } from '../domain/index.js';
import type { DataQuality, QualityTransition } from '../engine/index.js';
import type { Alert, AlertDelivery, DeadLetter, DeliveryState, DeliveryStats } from './alert-delivery.js';
import type {
  AlertsConfig,
  AlertTrigger,
  DataQualityTrigger,
  DecisionLogDropsTrigger,
  DecisionTrigger,
  DegradedTrigger,
  RuleHitRateTrigger,
  WebhookConfig,
} from './alerts-config.js';
import { type BucketCounts, createBucketCounts } from './bucket-counts.js';

/** An alert fired, as GET /admin/v1/alerts lists it. */
export interface RecentAlert {
  readonly id: string;
  readonly webhook: string;
  readonly type: string;
  readonly state?: 'firing' | 'resolved';
  readonly at: string;
  readonly summary: string;
  delivery: DeliveryState;
}

/** Counters of the alert service: delivery's, and alerts fired and suppressed by a trigger's rate limit. */
export interface AlertStats extends DeliveryStats {
  fired: number;
  suppressed: number;
}

/** Triggers, their evaluation and the webhooks' delivery (docs/alerts.md). */
export interface Alerts {
  /** Called on each fresh decision: decision triggers, and the counts windowed triggers judge. Cheap; never throws. */
  observe(event: RiskEvent, result: DecisionResult, live: readonly string[]): void;
  /** Judges every windowed trigger (rule hit rates, degraded share, log drops, data quality) now. */
  evaluate(): void;
  /** Evaluates every `everyMs` on a timer that does not keep the process alive. */
  start(everyMs: number): void;
  webhooks(): readonly { id: string; url: string; triggers: readonly AlertTrigger[] }[];
  stats(): AlertStats;
  /** The last 50 alerts fired, newest first. */
  recent(): readonly RecentAlert[];
  deadLetters(): readonly DeadLetter[];
  /** Resolves when no alert is queued or being sent (those waiting for a retry aside). */
  idle(): Promise<void>;
  /** Stops the timer and the delivery (pending alerts are dead-lettered). */
  close(): Promise<void>;
}

/** What the alert service reads. */
export interface AlertsOptions {
  readonly config: AlertsConfig;
  readonly delivery: AlertDelivery;
  readonly quality: DataQuality;
  readonly clock: Clock;
  /** The decision log's counters, when it is on. */
  readonly decisionLog?: (() => { dropped: number }) | undefined;
  readonly random?: () => number;
}

const RECENT = 50;
/** Rules a hit-rate trigger follows at most. */
const MAX_RULES = 2000;
const TOTAL = '\u0000total';

interface Armed {
  readonly hook: WebhookConfig;
  readonly trigger: AlertTrigger;
  /** Decision trigger: rate-limit tokens and their last refill. */
  tokens: number;
  refilledAt: number;
  readonly counts?: BucketCounts;
  /** Keys (rule ids, or '' for the trigger as a whole) whose condition holds now. */
  readonly firing: Set<string>;
  /** decision_log_drops: samples of the dropped counter. */
  readonly samples: { at: number; dropped: number }[];
}

const pct = (r: number | null) => (r === null ? 'n/a' : `${(r * 100).toFixed(1)}%`);
const minutes = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`);

/** Creates the alert service over a parsed config; with no webhooks it still judges data quality. */
export function createAlerts(options: AlertsOptions): Alerts {
  const { delivery, quality, clock } = options;
  const random = options.random ?? Math.random;
  const recent: RecentAlert[] = [];
  let fired = 0;
  let suppressed = 0;
  let timer: NodeJS.Timeout | undefined;
  const armed: Armed[] = [];
  for (const hook of options.config.webhooks)
    for (const trigger of hook.triggers) {
      const counts =
        trigger.type === 'rule_hit_rate' || trigger.type === 'degraded'
          ? createBucketCounts(trigger.bucketMs, trigger.windowMs, trigger.baselineMs, MAX_RULES + 1)
          : undefined;
      armed.push({
        hook,
        trigger,
        tokens: trigger.type === 'decision' ? trigger.maxPerMinute : 0,
        refilledAt: clock(),
        ...(counts !== undefined ? { counts } : {}),
        firing: new Set(),
        samples: [],
      });
    }
  const decisionTriggers = armed.filter((a) => a.trigger.type === 'decision');
  const countingTriggers = armed.filter((a) => a.counts !== undefined);

  const fire = (
    a: Armed,
    summary: string,
    details: Record<string, unknown>,
    state?: 'firing' | 'resolved',
  ) => {
    fired++;
    const alert: Alert = {
      id: randomUUID(),
      webhook: a.hook.id,
      type: a.trigger.type,
      ...(state !== undefined ? { state } : {}),
      at: new Date(clock()).toISOString(),
      summary,
      details,
    };
    const entry: RecentAlert = {
      id: alert.id,
      webhook: alert.webhook,
      type: alert.type,
      ...(state !== undefined ? { state } : {}),
      at: alert.at,
      summary,
      delivery: 'queued',
    };
    recent.unshift(entry);
    if (recent.length > RECENT) recent.pop();
    delivery.send(alert, a.hook, (s) => {
      entry.delivery = s;
    });
  };

  const decisionMatches = (t: DecisionTrigger, e: RiskEvent, r: DecisionResult, live: readonly string[]) => {
    if (!t.decisions.includes(r.decision) || r.score < t.minScore) return false;
    if (t.eventTypes.length > 0 && !t.eventTypes.includes(e.type)) return false;
    if (t.ruleIds.length > 0 && !live.some((id) => t.ruleIds.includes(id))) return false;
    return true;
  };
  const allow = (a: Armed, t: DecisionTrigger, now: number): boolean => {
    if (t.sample < 1 && random() >= t.sample) return false;
    if (t.maxPerMinute === 0) return true;
    a.tokens = Math.min(t.maxPerMinute, a.tokens + ((now - a.refilledAt) * t.maxPerMinute) / 60_000);
    a.refilledAt = now;
    if (a.tokens < 1) {
      suppressed++;
      return false;
    }
    a.tokens--;
    return true;
  };

  /** Fires or resolves key `k` of a windowed trigger; returns nothing. */
  const transition = (
    a: Armed,
    key: string,
    on: boolean,
    notifyResolved: boolean,
    summary: () => string,
    details: () => Record<string, unknown>,
  ) => {
    const was = a.firing.has(key);
    if (on === was) return;
    if (on) a.firing.add(key);
    else a.firing.delete(key);
    if (on || notifyResolved) fire(a, summary(), details(), on ? 'firing' : 'resolved');
  };

  const evalRuleHits = (a: Armed, t: RuleHitRateTrigger, now: number) => {
    const counts = a.counts as BucketCounts;
    const [curTotal, baseTotal] = counts.sums(TOTAL, now);
    for (const id of counts.keys()) {
      if (id === TOTAL) continue;
      const [cur, base] = counts.sums(id, now);
      const was = a.firing.has(id);
      const rate = curTotal > 0 ? cur / curTotal : 0;
      // No baseline yet (a fresh start) judges nothing; a rule that never fired in it counts as one hit.
      if (baseTotal === 0) continue;
      const baseRate = Math.max(base, 1) / baseTotal;
      const on = was
        ? cur >= t.minHits / 2 && rate >= baseRate * (1 + (t.factor - 1) / 2)
        : cur >= t.minHits && rate >= baseRate * t.factor;
      transition(
        a,
        id,
        on,
        t.notifyResolved,
        () =>
          on
            ? `rule ${id} hit ${pct(rate)} of decisions in the last ${minutes(t.windowMs)}, ${(rate / (base / baseTotal || baseRate)).toFixed(1)}× its ${minutes(t.baselineMs)} baseline ${pct(base / baseTotal)}`
            : `rule ${id} hit rate back to ${pct(rate)} (baseline ${pct(base / baseTotal)})`,
        () => ({
          ruleId: id,
          hits: cur,
          decisions: curTotal,
          rate,
          baselineHits: base,
          baselineDecisions: baseTotal,
          baselineRate: base / baseTotal,
          factor: t.factor,
          windowMs: t.windowMs,
          baselineMs: t.baselineMs,
        }),
      );
    }
  };
  const evalDegraded = (a: Armed, t: DegradedTrigger, now: number) => {
    const counts = a.counts as BucketCounts;
    const [total] = counts.sums(TOTAL, now);
    const [degraded] = counts.sums('degraded', now);
    const rate = total > 0 ? degraded / total : 0;
    const was = a.firing.has('');
    const on = was
      ? degraded >= t.minCount / 2 && rate >= t.minRate / 2
      : degraded >= t.minCount && rate >= t.minRate;
    transition(
      a,
      '',
      on,
      t.notifyResolved,
      () =>
        `${pct(rate)} of decisions degraded${t.stages.length > 0 ? ` (${t.stages.join(', ')})` : ''} in the last ${minutes(t.windowMs)}`,
      () => ({ degraded, decisions: total, rate, stages: t.stages, windowMs: t.windowMs }),
    );
  };
  const evalDrops = (a: Armed, t: DecisionLogDropsTrigger, now: number) => {
    const stats = options.decisionLog?.();
    if (stats === undefined) return;
    a.samples.push({ at: now, dropped: stats.dropped });
    while (a.samples.length > 1 && (a.samples[0] as { at: number }).at < now - t.windowMs) a.samples.shift();
    const grown = stats.dropped - (a.samples[0] as { dropped: number }).dropped;
    const on = a.firing.has('') ? grown > 0 : grown >= t.minDrops;
    transition(
      a,
      '',
      on,
      t.notifyResolved,
      () =>
        on
          ? `the decision log dropped ${grown} records in the last ${minutes(t.windowMs)} (its queue is full)`
          : 'the decision log drops no more records',
      () => ({ dropped: grown, droppedTotal: stats.dropped, windowMs: t.windowMs }),
    );
  };
  const evalQuality = (a: Armed, t: DataQualityTrigger, changes: readonly QualityTransition[]) => {
    for (const c of changes) {
      if (t.sources.length > 0 && !t.sources.includes(c.source)) continue;
      if (t.fields.length > 0 && !t.fields.includes(c.field)) continue;
      if (!t.metrics.includes(c.metric)) continue;
      if (c.state === 'resolved' && !t.notifyResolved) continue;
      const what = c.metric === 'present' ? 'present (sent)' : 'valid (well formed)';
      fire(
        a,
        c.state === 'firing'
          ? `${c.source}: ${c.field} ${what} in ${pct(c.current)} of events, baseline ${pct(c.baseline)}`
          : `${c.source}: ${c.field} ${what} back to ${pct(c.current)} (baseline ${pct(c.baseline)})`,
        { ...c },
        c.state,
      );
    }
  };

  const service: Alerts = {
    observe(event, result, live) {
      if (armed.length === 0) return;
      const now = clock();
      for (const a of decisionTriggers) {
        const t = a.trigger as DecisionTrigger;
        if (!decisionMatches(t, event, result, live) || !allow(a, t, now)) continue;
        fire(
          a,
          `${result.decision} ${event.type} ${result.eventId} score ${result.score.toFixed(3)}${live.length > 0 ? ` (${live.slice(0, 5).join(', ')})` : ''}`,
          {
            decisionId: result.decisionId,
            eventId: result.eventId,
            eventType: event.type,
            decision: result.decision,
            score: result.score,
            ...(result.modelScore !== undefined ? { modelScore: result.modelScore } : {}),
            reasons: result.reasons,
            liveHits: live,
            degraded: result.degraded,
            bundleVersion: result.bundleVersion,
            modelVersion: result.modelVersion,
          },
        );
      }
      for (const a of countingTriggers) {
        const counts = a.counts as BucketCounts;
        counts.add(TOTAL, now);
        if (a.trigger.type === 'rule_hit_rate') {
          const ids = a.trigger.ruleIds;
          for (const id of live) if (ids.length === 0 || ids.includes(id)) counts.add(id, now);
        } else if (a.trigger.type === 'degraded' && result.degraded.length > 0) {
          const stages = a.trigger.stages;
          if (stages.length === 0 || result.degraded.some((s) => stages.includes(s)))
            counts.add('degraded', now);
        }
      }
    },
    evaluate() {
      const now = clock();
      // Data quality is judged even without webhooks: the admin API shows which rates alert.
      const changes = quality.evaluate(now);
      for (const a of armed) {
        const t = a.trigger;
        if (t.type === 'rule_hit_rate') evalRuleHits(a, t, now);
        else if (t.type === 'degraded') evalDegraded(a, t, now);
        else if (t.type === 'decision_log_drops') evalDrops(a, t, now);
        else if (t.type === 'data_quality') evalQuality(a, t, changes);
      }
    },
    start(everyMs) {
      if (timer !== undefined) return;
      timer = setInterval(() => service.evaluate(), everyMs);
      timer.unref();
    },
    webhooks: () =>
      options.config.webhooks.map((h) => ({ id: h.id, url: shownUrl(h.url), triggers: h.triggers })),
    stats: () => ({ ...delivery.stats(), fired, suppressed }),
    recent: () => recent,
    deadLetters: () => delivery.deadLetters(),
    idle: () => delivery.idle(),
    async close() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await delivery.close();
    },
  };
  return service;
}

/** A webhook URL as the admin API shows it: no user, password or query (they may hold credentials). */
function shownUrl(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}
