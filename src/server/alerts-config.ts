import { readFileSync } from 'node:fs';
import type { Action, EventType } from '../domain/index.js';
import { jsonErrorPosition } from './json-error-position.js';

/** Sends decisions that match: BLOCK and REVIEW by default, narrowed by score, rules and event types. */
export interface DecisionTrigger {
  readonly type: 'decision';
  readonly decisions: readonly Action[];
  readonly minScore: number;
  /** Only decisions where one of these live rules (or device checks, sequences) fired; empty: any. */
  readonly ruleIds: readonly string[];
  /** Only these event types; empty: any. */
  readonly eventTypes: readonly string[];
  /** Share of matching decisions sent, (0, 1]. */
  readonly sample: number;
  /** At most this many alerts a minute from this trigger (the rest counted as suppressed); 0: no limit. */
  readonly maxPerMinute: number;
}

/** Windowed triggers judge a current window against the trailing baseline before it, every tick. */
interface Windowed {
  readonly windowMs: number;
  readonly baselineMs: number;
  readonly bucketMs: number;
  /** Also send an alert when the condition ends. */
  readonly notifyResolved: boolean;
}

/** A live rule's hit rate (hits per decision) rising `factor` times over its baseline, with `minHits` in the window. */
export interface RuleHitRateTrigger extends Windowed {
  readonly type: 'rule_hit_rate';
  /** Rules watched; empty: every rule that fires. */
  readonly ruleIds: readonly string[];
  readonly factor: number;
  readonly minHits: number;
}

/** Degraded decisions (a stage skipped: model, features, ...) reaching `minRate` of decisions in the window. */
export interface DegradedTrigger extends Windowed {
  readonly type: 'degraded';
  /** Stages that count; empty: any. */
  readonly stages: readonly string[];
  readonly minRate: number;
  readonly minCount: number;
}

/** The decision log dropping at least `minDrops` records within the window (its queue was full). */
export interface DecisionLogDropsTrigger {
  readonly type: 'decision_log_drops';
  readonly windowMs: number;
  readonly minDrops: number;
  readonly notifyResolved: boolean;
}

/** A data-quality rate jumping against its baseline (docs/data-quality.md), filtered by source, field and metric. */
export interface DataQualityTrigger {
  readonly type: 'data_quality';
  readonly sources: readonly string[];
  readonly fields: readonly string[];
  readonly metrics: readonly ('present' | 'valid')[];
  readonly notifyResolved: boolean;
}

/** Anything a webhook can be sent for. */
export type AlertTrigger =
  | DecisionTrigger
  | RuleHitRateTrigger
  | DegradedTrigger
  | DecisionLogDropsTrigger
  | DataQualityTrigger;

/** One receiver of signed alerts. */
export interface WebhookConfig {
  readonly id: string;
  readonly url: string;
  /** HMAC-SHA256 key of the signature header. */
  readonly secret: string;
  readonly timeoutMs: number;
  /** Attempts before the alert is dead-lettered (the first included). */
  readonly maxAttempts: number;
  /** First retry delay; doubled each attempt, capped at maxBackoffMs, with jitter. */
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly triggers: readonly AlertTrigger[];
}

/** The parsed RISK_ALERTS_FILE. */
export interface AlertsConfig {
  readonly webhooks: readonly WebhookConfig[];
}

const DECISIONS: readonly Action[] = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'];
const EVENT_TYPES: readonly EventType[] = [
  'PAYMENT',
  'LOGIN',
  'SIGNUP',
  'PASSWORD_CHANGE',
  'PAYOUT',
  'REFUND',
  'EMAIL_CHANGE',
  'PHONE_CHANGE',
  'TWO_FACTOR',
  'PAYOUT_METHOD_ADD',
  'CARD_ADD',
  'LOGOUT',
];
const ID = /^[A-Za-z0-9_.-]{1,64}$/;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads and validates an alerts file (docs/alerts.md). Throws one error listing every problem, each
 * with its path (`webhooks[0].triggers[1].factor: ...`) or, for bad JSON, its line:column.
 */
export function loadAlertsConfig(
  path: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): AlertsConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`RISK_ALERTS_FILE ${path}: cannot be read (${(err as Error).message})`);
  }
  return parseAlertsConfig(text, path, env);
}

/** Validates the text of an alerts file; `name` prefixes the error. */
export function parseAlertsConfig(
  text: string,
  name: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
): AlertsConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    const at = jsonErrorPosition(text);
    throw new Error(`${name}${at !== undefined ? `:${at}` : ''}: not valid JSON (${(err as Error).message})`);
  }
  const problems: string[] = [];
  const bad = (path: string, message: string) => problems.push(`${path}: ${message}`);
  const webhooks: WebhookConfig[] = [];
  if (!isObject(doc)) bad('(root)', 'must be an object {"webhooks": [...]}');
  else {
    for (const k of Object.keys(doc)) if (k !== 'webhooks' && k !== 'description') bad(k, 'unknown key');
    if (!Array.isArray(doc.webhooks)) bad('webhooks', 'must be an array of webhooks');
    else {
      const ids = new Set<string>();
      doc.webhooks.forEach((w, i) => {
        const hook = parseWebhook(w, `webhooks[${i}]`, bad, env);
        if (hook === undefined) return;
        if (ids.has(hook.id)) bad(`webhooks[${i}].id`, `"${hook.id}" is used by an earlier webhook`);
        ids.add(hook.id);
        webhooks.push(hook);
      });
    }
  }
  if (problems.length > 0) throw new Error(`${name}: invalid alerts file:\n  ${problems.join('\n  ')}`);
  return { webhooks };
}

type Bad = (path: string, message: string) => void;

/** Reads typed fields of one object, reporting each problem with its path. */
function fields(o: Record<string, unknown>, path: string, bad: Bad, known: readonly string[]) {
  for (const k of Object.keys(o)) if (!known.includes(k)) bad(`${path}.${k}`, 'unknown key');
  const num = (k: string, def: number, min: number, max: number, integer = true): number => {
    const v = o[k];
    if (v === undefined) return def;
    if (
      typeof v !== 'number' ||
      !Number.isFinite(v) ||
      (integer && !Number.isInteger(v)) ||
      v < min ||
      v > max
    ) {
      bad(`${path}.${k}`, `must be ${integer ? 'an integer' : 'a number'} from ${min} to ${max}`);
      return def;
    }
    return v;
  };
  const bool = (k: string, def: boolean): boolean => {
    const v = o[k];
    if (v === undefined) return def;
    if (typeof v !== 'boolean') {
      bad(`${path}.${k}`, 'must be true or false');
      return def;
    }
    return v;
  };
  const strings = <T extends string>(k: string, def: readonly T[], allowed?: readonly T[]): readonly T[] => {
    const v = o[k];
    if (v === undefined) return def;
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) {
      bad(`${path}.${k}`, 'must be an array of strings');
      return def;
    }
    if (allowed !== undefined)
      v.forEach((s, j) => {
        if (!allowed.includes(s as T)) bad(`${path}.${k}[${j}]`, `must be one of ${allowed.join(', ')}`);
      });
    return v as T[];
  };
  return { num, bool, strings };
}

function parseWebhook(
  w: unknown,
  path: string,
  bad: Bad,
  env: Readonly<Record<string, string | undefined>>,
): WebhookConfig | undefined {
  if (!isObject(w)) {
    bad(path, 'must be an object {id, url, secret | secretEnv, triggers}');
    return undefined;
  }
  const f = fields(w, path, bad, [
    'id',
    'url',
    'secret',
    'secretEnv',
    'timeoutMs',
    'maxAttempts',
    'backoffMs',
    'maxBackoffMs',
    'triggers',
    'description',
  ]);
  const id = typeof w.id === 'string' && ID.test(w.id) ? w.id : undefined;
  if (id === undefined) bad(`${path}.id`, 'is required: letters, digits, _ . -, at most 64');
  let url: string | undefined;
  if (typeof w.url !== 'string') bad(`${path}.url`, 'is required: an http(s) URL');
  else {
    try {
      const u = new URL(w.url);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') bad(`${path}.url`, 'must be http or https');
      else url = w.url;
    } catch {
      bad(`${path}.url`, 'is not a URL');
    }
  }
  let secret: string | undefined;
  if (w.secret !== undefined && w.secretEnv !== undefined)
    bad(`${path}.secret`, 'give secret or secretEnv, not both');
  else if (typeof w.secret === 'string') secret = w.secret;
  else if (typeof w.secretEnv === 'string') {
    secret = env[w.secretEnv];
    if (secret === undefined || secret === '')
      bad(`${path}.secretEnv`, `environment variable ${w.secretEnv} is not set`);
  } else bad(`${path}.secret`, 'is required (or secretEnv: the name of an environment variable holding it)');
  if (secret !== undefined && secret !== '' && secret.length < 16)
    bad(
      `${path}.${typeof w.secret === 'string' ? 'secret' : 'secretEnv'}`,
      'the secret must be at least 16 characters',
    );
  const timeoutMs = f.num('timeoutMs', 5000, 100, 60_000);
  const maxAttempts = f.num('maxAttempts', 6, 1, 20);
  const backoffMs = f.num('backoffMs', 1000, 1, 600_000);
  const maxBackoffMs = f.num('maxBackoffMs', 60_000, 1, 3_600_000);
  const triggers: AlertTrigger[] = [];
  if (!Array.isArray(w.triggers) || w.triggers.length === 0)
    bad(`${path}.triggers`, 'must be a non-empty array of triggers');
  else
    w.triggers.forEach((t, j) => {
      const trigger = parseTrigger(t, `${path}.triggers[${j}]`, bad);
      if (trigger !== undefined) triggers.push(trigger);
    });
  if (id === undefined || url === undefined || secret === undefined) return undefined;
  return { id, url, secret, timeoutMs, maxAttempts, backoffMs, maxBackoffMs, triggers };
}

function parseTrigger(t: unknown, path: string, bad: Bad): AlertTrigger | undefined {
  if (!isObject(t)) {
    bad(path, 'must be an object with a type');
    return undefined;
  }
  const windowed = ['type', 'windowMs', 'baselineMs', 'bucketMs', 'notifyResolved'];
  switch (t.type) {
    case 'decision': {
      const f = fields(t, path, bad, [
        'type',
        'decisions',
        'minScore',
        'ruleIds',
        'eventTypes',
        'sample',
        'maxPerMinute',
      ]);
      return {
        type: 'decision',
        decisions: f.strings<Action>('decisions', ['BLOCK', 'REVIEW'], DECISIONS),
        minScore: f.num('minScore', 0, 0, 1, false),
        ruleIds: f.strings('ruleIds', []),
        eventTypes: f.strings<string>('eventTypes', [], EVENT_TYPES),
        sample: f.num('sample', 1, Number.MIN_VALUE, 1, false),
        maxPerMinute: f.num('maxPerMinute', 0, 0, 1_000_000),
      };
    }
    case 'rule_hit_rate': {
      const f = fields(t, path, bad, [...windowed, 'ruleIds', 'factor', 'minHits']);
      const w = windowOf(f, path, bad, 300_000, 3_600_000);
      return {
        type: 'rule_hit_rate',
        ...w,
        ruleIds: f.strings('ruleIds', []),
        factor: f.num('factor', 3, 1.01, 1_000_000, false),
        minHits: f.num('minHits', 20, 1, 1_000_000_000),
      };
    }
    case 'degraded': {
      const f = fields(t, path, bad, [...windowed, 'stages', 'minRate', 'minCount']);
      const w = windowOf(f, path, bad, 60_000, 3_600_000);
      return {
        type: 'degraded',
        ...w,
        stages: f.strings('stages', []),
        minRate: f.num('minRate', 0.05, 0, 1, false),
        minCount: f.num('minCount', 10, 1, 1_000_000_000),
      };
    }
    case 'decision_log_drops': {
      const f = fields(t, path, bad, ['type', 'windowMs', 'minDrops', 'notifyResolved']);
      return {
        type: 'decision_log_drops',
        windowMs: f.num('windowMs', 60_000, 1000, 86_400_000),
        minDrops: f.num('minDrops', 1, 1, 1_000_000_000),
        notifyResolved: f.bool('notifyResolved', true),
      };
    }
    case 'data_quality': {
      const f = fields(t, path, bad, ['type', 'sources', 'fields', 'metrics', 'notifyResolved']);
      return {
        type: 'data_quality',
        sources: f.strings('sources', []),
        fields: f.strings('fields', []),
        metrics: f.strings<'present' | 'valid'>('metrics', ['present', 'valid'], ['present', 'valid']),
        notifyResolved: f.bool('notifyResolved', true),
      };
    }
    default:
      bad(
        `${path}.type`,
        'must be one of decision, rule_hit_rate, degraded, decision_log_drops, data_quality',
      );
      return undefined;
  }
}

function windowOf(
  f: ReturnType<typeof fields>,
  path: string,
  bad: Bad,
  windowDefault: number,
  baselineDefault: number,
): Windowed {
  const windowMs = f.num('windowMs', windowDefault, 1000, 86_400_000);
  const baselineMs = f.num('baselineMs', baselineDefault, 1000, 7 * 86_400_000);
  const bucketMs = f.num('bucketMs', Math.min(60_000, windowMs), 1000, 3_600_000);
  if (windowMs % bucketMs !== 0) bad(`${path}.windowMs`, `must be a multiple of bucketMs (${bucketMs})`);
  if (baselineMs % bucketMs !== 0) bad(`${path}.baselineMs`, `must be a multiple of bucketMs (${bucketMs})`);
  if (windowMs / bucketMs + baselineMs / bucketMs > 20_000)
    bad(`${path}.bucketMs`, 'too small for the window and baseline (20,000 buckets at most)');
  return { windowMs, baselineMs, bucketMs, notifyResolved: f.bool('notifyResolved', true) };
}
