import type { FastifyInstance } from 'fastify';
import { type FieldViolation, RiskError } from '../domain/index.js';
import {
  parseLogRange,
  readDecisionLog,
  renderRiskMarkdown,
  renderShadowMarkdown,
  riskReport,
  shadowReport,
} from '../engine/index.js';
import type { ControlPlane } from './control-plane.js';

/** What the report routes need: the decision log and the serving bundle (its shadow rules and challenger). */
export interface ReportRouteDeps {
  readonly control: ControlPlane;
  readonly decisionLogDir?: string | undefined;
  readonly flushDecisionLog?: () => Promise<void>;
}

const QUERY = new Set(['from', 'to', 'format', 'top']);

/**
 * GET /reports/risk and /reports/shadow inside the admin plugin (docs/reports.md):
 * `?from=&to=` (RFC 3339, decisions made in [from, to)), `format=json` (default) or `md`, served as a
 * download (`text/markdown`, `content-disposition: attachment`). Bad parameters are a 400 naming the field.
 */
export function registerReportRoutes(admin: FastifyInstance, deps: ReportRouteDeps): void {
  const request = (query: Record<string, unknown>) => {
    const errors: FieldViolation[] = [];
    for (const k of Object.keys(query))
      if (!QUERY.has(k))
        errors.push({ field: k, description: 'is not a report parameter (from, to, format, top)' });
    const text = (k: string) => {
      const v = query[k];
      if (v === undefined) return undefined;
      if (typeof v !== 'string') {
        errors.push({ field: k, description: 'must be given once' });
        return undefined;
      }
      return v;
    };
    const format = text('format') ?? 'json';
    if (format !== 'json' && format !== 'md')
      errors.push({ field: 'format', description: 'must be json or md' });
    const topText = text('top');
    const top = topText === undefined ? 20 : Number(topText);
    if (!/^\d{1,4}$/.test(topText ?? '20') || top < 1 || top > 1000)
      errors.push({ field: 'top', description: 'must be an integer from 1 to 1000' });
    const range = parseLogRange(text('from'), text('to'));
    if ('errors' in range) errors.push(...range.errors);
    if (errors.length > 0 || 'errors' in range) throw RiskError.invalid(errors);
    const dir = deps.decisionLogDir;
    if (dir === undefined)
      throw new RiskError('RISK_ERR_NO_DECISION_LOG', 'reports read the decision log, which is off');
    return { dir, range: range.value, format: format as 'json' | 'md', top };
  };
  const fileName = (kind: string, r: { from?: number; to?: number }) => {
    const stamp = (ms: number | undefined) =>
      ms === undefined ? 'all' : new Date(ms).toISOString().replace(/[:.]/g, '-');
    return `${kind}-report-${stamp(r.from)}-to-${stamp(r.to)}.md`;
  };

  admin.get<{ Querystring: Record<string, unknown> }>('/reports/risk', async (req, reply) => {
    const q = request(req.query);
    await deps.flushDecisionLog?.();
    const report = await riskReport(readDecisionLog(q.dir, undefined, { features: false, ...q.range }), {
      ...q.range,
      top: q.top,
    });
    if (q.format === 'json') return report;
    return reply
      .type('text/markdown; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName('risk', q.range)}"`)
      .send(renderRiskMarkdown(report));
  });
  admin.get<{ Querystring: Record<string, unknown> }>('/reports/shadow', async (req, reply) => {
    const q = request(req.query);
    await deps.flushDecisionLog?.();
    const report = await shadowReport(readDecisionLog(q.dir, undefined, { features: false, ...q.range }), {
      ...q.range,
      bundle: deps.control.serving(),
    });
    if (q.format === 'json') return report;
    return reply
      .type('text/markdown; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileName('shadow', q.range)}"`)
      .send(renderShadowMarkdown(report));
  });
}
