/** Counters of one decision sink, for metrics and tests. */
export interface DecisionSinkStats {
  /** Records accepted onto the queue. */
  readonly appended: number;
  /** Records the destination acknowledged (committed rows, JetStream acks). */
  readonly written: number;
  /** Records refused because the queue was full, or left when close gave up: never waited for. */
  readonly dropped: number;
  /** Failed writes (each retried after a backoff). */
  readonly errors: number;
  /** Records waiting now, the batch being retried included. */
  readonly queued: number;
}

/**
 * An optional destination of the decision log beside the NDJSON files (docs/decision-log.md): the
 * same shape as the file log, so the fan-out treats them alike. `append` only queues.
 */
export interface DecisionSink {
  /** `pg` or `nats`: the `sink` label of `risk_decision_sink`. */
  readonly name: string;
  /** Queues one record; false when it was dropped (queue full or sink closed). */
  append(record: object): boolean;
  /** Writes what is queued; resolves when the queue is empty or a write failed (the failed batch is retried later). */
  flush(): Promise<void>;
  stats(): DecisionSinkStats;
  /** Stops taking records, keeps writing until the queue is empty or `closeTimeoutMs` passed, drops the rest. */
  close(): Promise<void>;
}

/** Options for createBatchSink. */
export interface BatchSinkOptions {
  readonly name: string;
  /** Records waiting at most (beyond the batch being written); beyond it new records are dropped and counted. */
  readonly maxQueue: number;
  /** Records written by one `write` at most. */
  readonly batchSize: number;
  /** Queued records are written at least this often (sooner once a batch is full). */
  readonly flushMs: number;
  /**
   * Writes one batch; a rejection retries the same batch after a backoff, so writes must be
   * idempotent. An error with `permanent: true` (the data is refused, say) drops the batch, counted.
   */
  write(batch: readonly object[]): Promise<void>;
  /** Releases the connection, after the last write. */
  end?(): Promise<void>;
  /** A write failed (`failures` in a row so far; 0 for a permanent failure, whose batch was dropped). */
  onError?(err: Error, failures: number): void;
  /** A write succeeded after `failures` failures in a row. */
  onRecover?(failures: number): void;
  /** First retry delay; doubles per failure up to retryMaxMs. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** How long close keeps retrying an unreachable destination before dropping what is queued. */
  readonly closeTimeoutMs?: number;
  readonly now?: () => number;
}

/**
 * A bounded queue drained in batches by one writer: the machinery every sink shares. Appending
 * pushes and, once a batch is full, schedules the writer (setImmediate: the decision path never
 * serialises or awaits anything). A failed batch is kept and retried with exponential backoff while
 * new records queue behind it up to `maxQueue`; beyond it they are dropped and counted.
 */
export function createBatchSink(options: BatchSinkOptions): DecisionSink {
  const { maxQueue, batchSize } = options;
  const now = options.now ?? Date.now;
  const retryMinMs = options.retryMinMs ?? 100;
  const retryMaxMs = options.retryMaxMs ?? 5000;
  let queue: object[] = [];
  let head = 0;
  let pending: object[] | undefined;
  let appended = 0;
  let written = 0;
  let dropped = 0;
  let errors = 0;
  let failures = 0;
  let retryAt = 0;
  let closed = false;
  let scheduled = false;
  let running: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const waiting = () => queue.length - head;
  const take = (): object[] => {
    const n = Math.min(batchSize, waiting());
    const batch = head === 0 && n === queue.length ? queue : queue.slice(head, head + n);
    head += n;
    if (head >= queue.length) {
      queue = [];
      head = 0;
    } else if (head >= 4096 && head * 2 >= queue.length) {
      queue = queue.slice(head);
      head = 0;
    }
    return batch;
  };
  /** Writes batches until nothing waits or one fails; a failure schedules the retry. */
  const drain = async (): Promise<void> => {
    while (pending !== undefined || waiting() > 0) {
      const batch = pending ?? take();
      pending = batch;
      try {
        await options.write(batch);
        written += batch.length;
        pending = undefined;
        if (failures > 0) options.onRecover?.(failures);
        failures = 0;
      } catch (err) {
        errors++;
        if ((err as { permanent?: unknown }).permanent === true) {
          // The destination refuses this batch's data (not its availability): retrying cannot help.
          dropped += batch.length;
          pending = undefined;
          options.onError?.(err as Error, 0);
          continue;
        }
        failures++;
        options.onError?.(err as Error, failures);
        const delay = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(failures - 1, 16));
        retryAt = now() + delay;
        if (!closed) {
          clearTimeout(retryTimer);
          retryTimer = setTimeout(() => void run(), delay);
          retryTimer.unref();
        }
        return;
      }
    }
  };
  const run = (): Promise<void> => {
    running ??= drain().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (now() >= retryAt) void run();
  }, options.flushMs);
  timer.unref();

  return {
    name: options.name,
    append(record) {
      if (closed || waiting() >= maxQueue) {
        dropped++;
        return false;
      }
      queue.push(record);
      appended++;
      if (waiting() >= batchSize && !scheduled && running === undefined && now() >= retryAt) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          void run();
        });
      }
      return true;
    },
    async flush() {
      // A write under way may have started before the records queued now: run again behind it.
      await running;
      await run();
    },
    stats: () => ({ appended, written, dropped, errors, queued: waiting() + (pending?.length ?? 0) }),
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      clearTimeout(retryTimer);
      const deadline = now() + (options.closeTimeoutMs ?? 5000);
      await running;
      while (pending !== undefined || waiting() > 0) {
        await run();
        if (pending === undefined && waiting() === 0) break;
        const left = deadline - now();
        if (left <= 0) break;
        await new Promise((r) => setTimeout(r, Math.min(left, Math.max(0, retryAt - now()))));
      }
      dropped += waiting() + (pending?.length ?? 0);
      queue = [];
      head = 0;
      pending = undefined;
      await options.end?.();
    },
  };
}
