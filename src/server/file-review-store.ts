import { join } from 'node:path';
import { createEventJournal, type EventJournal, readEventJournal } from '../durability/index.js';
import {
  type CaseChange,
  type CaseStatus,
  claimCase,
  type ReviewCase,
  releaseCase,
  resolveCase,
  viewOf,
} from './review-case.js';
import type { CaseCounts, ReviewStore } from './review-store.js';

/** What the embedded review store needs. */
export interface FileReviewStoreOptions {
  /** `DATA_DIR/review`; undefined keeps the cases in memory only (RISK_JOURNAL_MODE=off). */
  readonly dir: string | undefined;
  /** Group-commit period of the journal. */
  readonly flushMs: number;
  readonly log?: { warn(o: object, m: string): void; error(o: object, m: string): void };
}

/** The journal's file under the store's directory. */
export const REVIEW_JOURNAL = 'cases.ndjson';

/** One line of the journal: a case as it stands (created, or rewritten by compaction), or a change to it. */
type JournalLine =
  | { readonly e: 'created'; readonly case: ReviewCase }
  | {
      readonly e: 'claimed';
      readonly id: string;
      readonly by: string;
      readonly at: string;
      readonly until: string;
    }
  | { readonly e: 'released'; readonly id: string; readonly by: string }
  | {
      readonly e: 'resolved';
      readonly id: string;
      readonly by: string;
      readonly at: string;
      readonly verdict: 'APPROVE' | 'DECLINE';
      readonly note?: string;
      readonly outcomeId: string;
    };

/** Applies one journal line to the cases, as replay does (the change was checked when it was made). */
function apply(cases: Map<string, ReviewCase>, line: Record<string, unknown>): boolean {
  const l = line as JournalLine;
  if (l.e === 'created') {
    if (typeof l.case?.caseId !== 'string') return false;
    if (!cases.has(l.case.caseId)) cases.set(l.case.caseId, l.case);
    return true;
  }
  const c = typeof l.id === 'string' ? cases.get(l.id) : undefined;
  if (c === undefined) return false;
  if (l.e === 'claimed')
    cases.set(c.caseId, {
      ...c,
      status: 'claimed',
      claimedBy: l.by,
      claimedAt: l.at,
      leaseExpiresAt: l.until,
    });
  else if (l.e === 'released') {
    const { claimedBy: _b, claimedAt: _a, leaseExpiresAt: _l, ...rest } = c;
    cases.set(c.caseId, { ...rest, status: 'open' });
  } else if (l.e === 'resolved') {
    const { leaseExpiresAt: _l, ...rest } = c;
    cases.set(c.caseId, {
      ...rest,
      status: 'resolved',
      verdict: l.verdict,
      ...(l.note !== undefined ? { note: l.note } : {}),
      resolvedBy: l.by,
      resolvedAt: l.at,
      outcomeId: l.outcomeId,
    });
  } else return false;
  return true;
}

/**
 * The embedded review store (docs/review-queue.md): every case in memory, in creation order, and every
 * change appended to an NDJSON journal under `dir` with group commit, replayed at start. A change
 * is answered once its line is synced. Compaction rewrites the journal as one line per case kept
 * (at start when it has grown past twice the cases, and whenever `prune` forgets resolved cases).
 */
export async function createFileReviewStore(options: FileReviewStoreOptions): Promise<ReviewStore> {
  const cases = new Map<string, ReviewCase>();
  let journal: EventJournal | undefined;
  const path = options.dir === undefined ? undefined : join(options.dir, REVIEW_JOURNAL);
  if (path !== undefined) {
    const read = await readEventJournal(path);
    let unknown = 0;
    for (const line of read.lines) if (!apply(cases, line)) unknown++;
    if (read.skipped + unknown > 0)
      options.log?.warn(
        { skipped: read.skipped, unknown, path },
        'review journal: lines skipped at start (a torn tail after a crash, or damage)',
      );
    journal = await createEventJournal(
      {
        path,
        flushMs: options.flushMs,
        onError: (err) => options.log?.error({ err }, 'review journal write failed'),
      },
      read.lines.length + read.skipped,
    );
    if (read.skipped > 0 || read.lines.length > 2 * cases.size + 1000) await compact();
  }
  async function compact() {
    await journal?.rewrite([...cases.values()].map((c) => ({ e: 'created', case: c })));
  }
  const write = async (line: JournalLine) => {
    if (journal === undefined) return;
    journal.append(line);
    await journal.flush();
  };
  const change = async (
    id: string,
    f: (c: ReviewCase) => CaseChange,
    line: (c: ReviewCase) => JournalLine,
  ) => {
    const c = cases.get(id);
    if (c === undefined) return undefined;
    const r = f(c);
    if (r !== undefined && 'case' in r) {
      cases.set(id, r.case);
      await write(line(r.case));
    }
    return r;
  };
  return {
    kind: journal === undefined ? 'memory' : 'files',
    async insert(batch) {
      let added = 0;
      for (const c of batch)
        if (!cases.has(c.caseId)) {
          cases.set(c.caseId, c);
          journal?.append({ e: 'created', case: c });
          added++;
        }
      if (added > 0) await journal?.flush();
    },
    get: async (id) => cases.get(id),
    async list(status, limit, nowMs) {
      const out: ReviewCase[] = [];
      const all = [...cases.values()];
      for (let i = all.length - 1; i >= 0 && out.length < limit; i--) {
        const v = viewOf(all[i] as ReviewCase, nowMs);
        if (status === 'all' || v.status === status) out.push(all[i] as ReviewCase);
      }
      return out;
    },
    claim: (id, analyst, nowMs, leaseMs) =>
      change(
        id,
        (c) => claimCase(c, analyst, nowMs, leaseMs),
        (c) => ({
          e: 'claimed',
          id,
          by: analyst,
          at: c.claimedAt as string,
          until: c.leaseExpiresAt as string,
        }),
      ),
    release: (id, analyst) =>
      change(
        id,
        (c) => releaseCase(c, analyst),
        () => ({ e: 'released', id, by: analyst }),
      ),
    resolve: (id, analyst, r, nowMs) =>
      change(
        id,
        (c) => resolveCase(c, analyst, r, nowMs),
        (c) => ({
          e: 'resolved',
          id,
          by: analyst,
          at: c.resolvedAt as string,
          verdict: r.verdict,
          ...(r.note !== undefined ? { note: r.note } : {}),
          outcomeId: r.outcomeId,
        }),
      ),
    async counts(nowMs) {
      const n: Record<CaseStatus, number> = { open: 0, claimed: 0, resolved: 0 };
      for (const c of cases.values()) n[viewOf(c, nowMs).status]++;
      return n satisfies CaseCounts;
    },
    async prune(beforeMs) {
      let gone = 0;
      for (const [id, c] of cases)
        if (c.status === 'resolved' && Date.parse(c.resolvedAt ?? '') < beforeMs) {
          cases.delete(id);
          gone++;
        }
      if (gone > 0 || (journal !== undefined && journal.stats().lines > 2 * cases.size + 1000))
        await compact();
      return gone;
    },
    async close() {
      await journal?.close();
    },
  };
}
