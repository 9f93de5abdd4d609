import { join, resolve } from 'node:path';
import type { Config } from './config.js';
import { createFileReviewStore } from './file-review-store.js';
import type { OutcomeDesk } from './outcome-desk.js';
import { createPgReviewStore } from './pg-review-store.js';
import { createReviewQueue, type ReviewQueue } from './review-queue.js';

/**
 * The review queue the configuration asks for (docs/review-queue.md): PostgreSQL with DATABASE_URL
 * (shared by replicas), else the embedded store journaled under DATA_DIR/review, or in memory only
 * with RISK_JOURNAL_MODE=off.
 */
export async function openReviewQueue(
  config: Config,
  deps: {
    readonly desk: Pick<OutcomeDesk, 'report'>;
    readonly now: () => number;
    readonly log: { warn(o: object, m: string): void; error(o: object, m: string): void };
  },
): Promise<ReviewQueue> {
  const store =
    config.databaseUrl !== ''
      ? await createPgReviewStore({ url: config.databaseUrl, schema: config.pgSchema, log: deps.log })
      : await createFileReviewStore({
          dir: config.journalMode === 'off' ? undefined : join(resolve(config.dataDir), 'review'),
          flushMs: config.reviewFlushMs,
          log: deps.log,
        });
  return createReviewQueue({
    store,
    desk: deps.desk,
    now: deps.now,
    leaseMs: config.reviewLeaseMs,
    flushMs: config.reviewFlushMs,
    maxQueue: config.reviewMaxQueue,
    retentionMs: config.reviewRetentionDays * 86_400_000,
    log: deps.log,
  });
}
