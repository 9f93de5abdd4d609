import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RiskError } from '../domain/index.js';
import type { CaseStatus, Verdict } from './review-case.js';
import type { ReviewQueue } from './review-queue.js';

const STATUSES = new Set(['open', 'claimed', 'resolved', 'all']);
/** Cases a list answers when the caller names no limit, and at most. */
const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

/**
 * A POST body: a JSON object with only `keys` (none at all is an empty body); every unknown key is a
 * violation naming it.
 */
function bodyOf(req: FastifyRequest, keys: readonly string[]): Record<string, unknown> {
  const b = req.body ?? {};
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    throw RiskError.invalid([{ field: 'body', description: 'must be a JSON object' }]);
  const unknown = Object.keys(b).filter((k) => !keys.includes(k));
  if (unknown.length > 0)
    throw RiskError.invalid(
      unknown.map((field) => ({ field, description: `is not one of ${keys.join(', ')}` })),
    );
  return b as Record<string, unknown>;
}

/** The analyst: the body's `analyst`, else the caller's `x-risk-actor` header (the queue validates it). */
function analystOf(req: FastifyRequest, body: Record<string, unknown>): string {
  if (body.analyst !== undefined) return body.analyst as string;
  const h = req.headers['x-risk-actor'];
  return typeof h === 'string' ? h : '';
}

/**
 * The review queue's admin routes (docs/admin-api.md "Review queue"), registered inside the admin
 * plugin so its key check applies: list and read cases, claim, release and resolve one.
 */
export function registerReviewRoutes(admin: FastifyInstance, queue: ReviewQueue): void {
  admin.get<{ Querystring: { status?: string; limit?: string } }>('/review/cases', async (req) => {
    const status = req.query.status ?? 'open';
    const limitText = req.query.limit;
    const limit = limitText === undefined ? DEFAULT_LIMIT : Number(limitText);
    const problems = [
      ...(STATUSES.has(status)
        ? []
        : [{ field: 'status', description: 'must be open, claimed, resolved or all' }]),
      ...(Number.isInteger(limit) && limit >= 1 && limit <= MAX_LIMIT && /^\d+$/.test(limitText ?? '1')
        ? []
        : [{ field: 'limit', description: `must be an integer from 1 to ${MAX_LIMIT}` }]),
    ];
    if (problems.length > 0) throw RiskError.invalid(problems);
    return { cases: await queue.list(status as CaseStatus | 'all', limit) };
  });
  admin.get<{ Params: { caseId: string } }>('/review/cases/:caseId', async (req) =>
    queue.get(req.params.caseId),
  );
  admin.post<{ Params: { caseId: string } }>('/review/cases/:caseId/claim', async (req) =>
    queue.claim(req.params.caseId, analystOf(req, bodyOf(req, ['analyst']))),
  );
  admin.post<{ Params: { caseId: string } }>('/review/cases/:caseId/release', async (req) =>
    queue.release(req.params.caseId, analystOf(req, bodyOf(req, ['analyst']))),
  );
  admin.post<{ Params: { caseId: string } }>('/review/cases/:caseId/resolve', async (req) => {
    const body = bodyOf(req, ['analyst', 'verdict', 'note']);
    return queue.resolve(
      req.params.caseId,
      analystOf(req, body),
      body.verdict as Verdict,
      body.note as string | undefined,
    );
  });
}
