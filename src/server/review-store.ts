import type { CaseChange, CaseStatus, ReviewCase, Verdict } from './review-case.js';

/** Cases by status as seen now (a claim past its lease counts as open). */
export interface CaseCounts {
  readonly open: number;
  readonly claimed: number;
  readonly resolved: number;
}

/**
 * Where review cases live: in this process (memory, journaled under DATA_DIR/review) or PostgreSQL
 * (shared by replicas). Every state change is conditional and atomic in the store, so two analysts,
 * or two replicas, never both hold a case. Times are passed in (the queue's clock).
 */
export interface ReviewStore {
  readonly kind: 'memory' | 'files' | 'postgres';
  /** Adds new cases (a case already there is left as it is). */
  insert(cases: readonly ReviewCase[]): Promise<void>;
  get(caseId: string): Promise<ReviewCase | undefined>;
  /** Newest first; `open` includes claims past their lease. */
  list(status: CaseStatus | 'all', limit: number, nowMs: number): Promise<ReviewCase[]>;
  /** claimCase (review-case.ts), atomically. */
  claim(caseId: string, analyst: string, nowMs: number, leaseMs: number): Promise<CaseChange>;
  /** releaseCase, atomically. */
  release(caseId: string, analyst: string, nowMs: number): Promise<CaseChange>;
  /** resolveCase, atomically. */
  resolve(
    caseId: string,
    analyst: string,
    r: { readonly verdict: Verdict; readonly note?: string | undefined; readonly outcomeId: string },
    nowMs: number,
  ): Promise<CaseChange>;
  counts(nowMs: number): Promise<CaseCounts>;
  /** Forgets cases resolved before `beforeMs`; answers how many. */
  prune(beforeMs: number): Promise<number>;
  close(): Promise<void>;
}
