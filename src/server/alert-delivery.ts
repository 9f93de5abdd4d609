import { createHmac, timingSafeEqual } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { WebhookConfig } from './alerts-config.js';

/** The header carrying `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export const SIGNATURE_HEADER = 'x-risk-signature';
/** The header carrying the alert id, the same on every attempt (receivers deduplicate on it). */
export const ALERT_ID_HEADER = 'x-risk-alert-id';

/** The signature header's value for a body sent at `unixSeconds`. */
export function signAlert(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/**
 * Checks a signature header against the raw body, as a receiver does (docs/alerts.md): the MAC in
 * constant time, and the timestamp within `toleranceSeconds` of `nowSeconds` (replays refused).
 */
export function verifyAlertSignature(
  secret: string,
  header: string | undefined,
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  if (header === undefined) return false;
  let t: number | undefined;
  const macs: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 't') t = Number(v);
    else if (k === 'v1') macs.push(v);
  }
  if (t === undefined || !Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds) return false;
  const want = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return macs.some((m) => {
    const got = Buffer.from(m);
    return got.length === want.length && timingSafeEqual(got, want);
  });
}

/** An alert as sent: the JSON body of the POST. */
export interface Alert {
  /** Unique per alert and webhook; every attempt carries the same id. */
  readonly id: string;
  readonly webhook: string;
  readonly type: string;
  /** Windowed triggers: `firing` when the condition starts, `resolved` when it ends. */
  readonly state?: 'firing' | 'resolved';
  readonly at: string;
  readonly summary: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A dead-lettered alert: what was sent, to where, how often, and the last failure. */
export interface DeadLetter {
  readonly alert: Alert;
  readonly url: string;
  readonly attempts: number;
  readonly lastError: string;
  readonly deadLetteredAt: string;
}

/** Delivery counters since start. */
export interface DeliveryStats {
  /** Alerts delivered (a 2xx answer). */
  sent: number;
  /** Retries scheduled after a failed attempt. */
  retried: number;
  /** Attempts that failed (network error, timeout, non-2xx). */
  failed: number;
  deadLettered: number;
  /** Alerts refused because the queue was full. */
  dropped: number;
}

/** How an alert's delivery stands, for the recent list. */
export type DeliveryState = 'queued' | 'sent' | 'retrying' | 'dead_lettered' | 'dropped';

/** Sends signed alerts with retries; never blocks the caller. */
export interface AlertDelivery {
  /** Queues an alert for a webhook; false when the queue is full (counted as dropped). */
  send(alert: Alert, hook: WebhookConfig, onState?: (s: DeliveryState) => void): boolean;
  stats(): DeliveryStats;
  /** Dead letters kept in memory (the newest 1,000; the file holds all), newest first. */
  deadLetters(): readonly DeadLetter[];
  /** Alerts queued or waiting for a retry. */
  pending(): number;
  /** Waits until nothing is queued or in flight (tests; retries still waiting count as pending). */
  idle(): Promise<void>;
  /** Stops retrying; alerts still pending are dead-lettered ("service stopped") and the file written. */
  close(): Promise<void>;
}

/** What the delivery needs. */
export interface AlertDeliveryOptions {
  /** Alerts queued or waiting for a retry at most. */
  readonly maxQueue: number;
  /** Requests in flight at most. */
  readonly concurrency?: number;
  /** The dead-letter NDJSON file; undefined keeps dead letters in memory only. */
  readonly deadLetterFile?: string | undefined;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly log?: { warn(obj: object, msg: string): void };
}

interface Job {
  readonly alert: Alert;
  readonly body: string;
  readonly hook: WebhookConfig;
  readonly onState: ((s: DeliveryState) => void) | undefined;
  attempts: number;
  lastError: string;
  timer?: NodeJS.Timeout;
}

const MEMORY_DEAD_LETTERS = 1000;

/** Creates the delivery: a bounded queue, `concurrency` workers, exponential backoff with jitter. */
export async function createAlertDelivery(options: AlertDeliveryOptions): Promise<AlertDelivery> {
  const concurrency = options.concurrency ?? 4;
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const stats: DeliveryStats = { sent: 0, retried: 0, failed: 0, deadLettered: 0, dropped: 0 };
  const ready: Job[] = [];
  const waiting = new Set<Job>();
  let inFlight = 0;
  let closed = false;
  const dead: DeadLetter[] = [];
  let writes: Promise<void> = Promise.resolve();
  let idleWaiters: (() => void)[] = [];
  const file = options.deadLetterFile;
  if (file !== undefined) {
    await mkdir(dirname(file), { recursive: true });
    // The newest dead letters of earlier runs, so the admin API lists them after a restart.
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(-MEMORY_DEAD_LETTERS - 1)) {
      if (line === '') continue;
      try {
        dead.unshift(JSON.parse(line) as DeadLetter);
      } catch {
        // A torn last line of a crashed run: skipped.
      }
    }
    dead.splice(MEMORY_DEAD_LETTERS);
  }

  const checkIdle = () => {
    if (ready.length === 0 && inFlight === 0) {
      const w = idleWaiters;
      idleWaiters = [];
      for (const f of w) f();
    }
  };
  const deadLetter = (job: Job, reason: string) => {
    stats.deadLettered++;
    const entry: DeadLetter = {
      alert: job.alert,
      url: job.hook.url,
      attempts: job.attempts,
      lastError: reason,
      deadLetteredAt: new Date(now()).toISOString(),
    };
    dead.unshift(entry);
    if (dead.length > MEMORY_DEAD_LETTERS) dead.pop();
    job.onState?.('dead_lettered');
    if (file !== undefined) {
      const line = `${JSON.stringify(entry)}\n`;
      writes = writes
        .then(() => appendFile(file, line))
        .catch((err: unknown) => options.log?.warn({ err }, 'alert dead-letter write failed'));
    }
  };
  const pump = () => {
    while (inFlight < concurrency && ready.length > 0) {
      const job = ready.shift() as Job;
      inFlight++;
      void attempt(job).finally(() => {
        inFlight--;
        pump();
        checkIdle();
      });
    }
  };
  const attempt = async (job: Job) => {
    job.attempts++;
    let retryAfterMs = 0;
    let retryable = true;
    try {
      const t = Math.floor(now() / 1000);
      const res = await fetch(job.hook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'risk-decision-service-alerts',
          [SIGNATURE_HEADER]: signAlert(job.hook.secret, t, job.body),
          [ALERT_ID_HEADER]: job.alert.id,
        },
        body: job.body,
        signal: AbortSignal.timeout(job.hook.timeoutMs),
      });
      // The body is not needed; reading it frees the connection for reuse.
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        stats.sent++;
        job.onState?.('sent');
        return;
      }
      job.lastError = `HTTP ${res.status}`;
      retryable = res.status >= 500 || res.status === 429 || res.status === 408;
      const ra = Number(res.headers.get('retry-after'));
      if (Number.isFinite(ra) && ra > 0) retryAfterMs = ra * 1000;
    } catch (err) {
      const e = err as Error;
      job.lastError = e.name === 'TimeoutError' ? `timeout after ${job.hook.timeoutMs} ms` : e.message;
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      if (cause !== undefined) job.lastError += ` (${cause})`;
    }
    stats.failed++;
    if (!retryable || job.attempts >= job.hook.maxAttempts || closed) {
      deadLetter(job, retryable ? job.lastError : `${job.lastError} (not retried)`);
      return;
    }
    stats.retried++;
    job.onState?.('retrying');
    const exp = Math.min(job.hook.maxBackoffMs, job.hook.backoffMs * 2 ** (job.attempts - 1));
    // Equal jitter: half the delay fixed, half random, so retries of many alerts spread out.
    const delay = Math.min(job.hook.maxBackoffMs, Math.max(retryAfterMs, exp / 2 + random() * (exp / 2)));
    waiting.add(job);
    job.timer = setTimeout(() => {
      waiting.delete(job);
      ready.push(job);
      pump();
    }, delay);
    job.timer.unref();
  };

  const idle = (): Promise<void> => {
    if (ready.length === 0 && inFlight === 0) return Promise.resolve();
    return new Promise((done) => idleWaiters.push(done));
  };
  return {
    send(alert, hook, onState) {
      if (closed || ready.length + waiting.size + inFlight >= options.maxQueue) {
        stats.dropped++;
        onState?.('dropped');
        return false;
      }
      ready.push({ alert, body: JSON.stringify(alert), hook, onState, attempts: 0, lastError: '' });
      onState?.('queued');
      pump();
      return true;
    },
    stats: () => ({ ...stats }),
    deadLetters: () => dead,
    pending: () => ready.length + waiting.size + inFlight,
    idle,
    async close() {
      closed = true;
      for (const job of waiting) {
        clearTimeout(job.timer);
        deadLetter(job, `service stopped after ${job.attempts} attempts (last: ${job.lastError})`);
      }
      waiting.clear();
      for (const job of ready.splice(0)) deadLetter(job, 'service stopped before it was sent');
      await idle();
      await writes;
    },
  };
}
