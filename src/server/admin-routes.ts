import type { FastifyInstance, FastifyRequest } from 'fastify';
import { RiskError, type Tokenizer } from '../domain/index.js';
import { backtest, backtestEvents, csvEvents, parseCsvMapping, readDecisionLog } from '../engine/index.js';
import { type ApiKeys, presentedKey } from './api-keys.js';
import type { ControlPlane } from './control-plane.js';
import type { RuleEdit } from './rule-edit.js';

/** What the admin routes need. */
export interface AdminDeps {
  readonly control: ControlPlane;
  readonly keys: ApiKeys;
  /** The decision log's directory, which backtests read; undefined when the log is off. */
  readonly decisionLogDir?: string | undefined;
  /** Writes out what the decision log has queued, so a backtest sees the latest decisions. */
  readonly flushDecisionLog?: () => Promise<void>;
  /** The edge's tokenizer: a CSV backtest tokenises card numbers, emails and phones as the API does. */
  readonly tokenizer: Tokenizer;
}

/** Largest body POST /admin/v1/backtest takes (a CSV uploaded inline): 64 MiB. */
const CSV_BODY_LIMIT = 64 * 1024 * 1024;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Who made an admin call, for the audit trail: the caller's `x-risk-actor` header, or the key kind. */
function actorOf(req: FastifyRequest, keys: ApiKeys): string {
  const actor = req.headers['x-risk-actor'];
  const name = typeof actor === 'string' && /^[\w.@ -]{1,64}$/.test(actor) ? actor : undefined;
  return `${name ?? 'unnamed'} (${keys.adminConfigured ? 'admin key' : 'loopback'})`;
}

/**
 * The decision endpoints' key check: with decide keys configured a decide key is required; an admin
 * key is refused either way (PERMISSION_DENIED), so an admin key leaked into a gateway fails loudly.
 */
export function decideAuthorizer(keys: ApiKeys) {
  return (authorization: string | undefined, apiKey: string | undefined): RiskError | undefined => {
    const role = keys.roleOf(presentedKey(authorization, apiKey));
    if (role === 'admin')
      return new RiskError('RISK_ERR_PERMISSION_DENIED', 'an admin key may not decide; use a decide key');
    if (!keys.decideConfigured || role === 'decide') return undefined;
    return new RiskError(
      'RISK_ERR_UNAUTHENTICATED',
      'a decide key is required (Authorization: Bearer <key>)',
    );
  };
}

/**
 * Registers the admin API under /admin/v1 (docs/admin-api.md): the bundle (current, versions, diff,
 * validate, publish, reload, rollback), one rule (put, validate, delete), the audit trail and live list
 * items. Admin keys only: a decide key is refused; with no admin key configured, only loopback
 * callers are served.
 */
export function registerAdmin(app: FastifyInstance, deps: AdminDeps): void {
  const { control, keys } = deps;
  app.register(
    async (admin) => {
      admin.addHook('onRequest', async (req) => {
        const role = keys.roleOf(presentedKey(req.headers.authorization, headerOf(req, 'x-api-key')));
        if (role === 'decide')
          throw new RiskError('RISK_ERR_PERMISSION_DENIED', 'a decide key may not call the admin API');
        if (keys.adminConfigured) {
          if (role !== 'admin')
            throw new RiskError(
              'RISK_ERR_UNAUTHENTICATED',
              'an admin key is required (Authorization: Bearer <key>)',
            );
          return;
        }
        if (!LOOPBACK.has(req.socket.remoteAddress ?? ''))
          throw new RiskError(
            'RISK_ERR_PERMISSION_DENIED',
            'no admin key is configured: the admin API answers loopback callers only',
          );
      });
      const files = (body: unknown): Record<string, string> => {
        const f = (body as { files?: unknown } | undefined)?.files;
        if (typeof f !== 'object' || f === null || Array.isArray(f))
          throw RiskError.invalid([
            { field: 'files', description: 'must be an object of file name: content' },
          ]);
        const out: Record<string, string> = {};
        for (const [name, content] of Object.entries(f))
          out[name] = typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`;
        return out;
      };
      admin.get('/bundle', async () => control.current());
      admin.get('/bundle/versions', async () => ({ versions: await control.versions() }));
      admin.get<{ Querystring: { from?: string; to?: string } }>('/bundle/diff', async (req) => {
        const { from, to } = req.query;
        const missing = [
          ...(typeof from === 'string' && from !== '' ? [] : ['from']),
          ...(typeof to === 'string' && to !== '' ? [] : ['to']),
        ];
        if (missing.length > 0)
          throw RiskError.invalid(
            missing.map((field) => ({ field, description: 'is required (a version)' })),
          );
        return control.diff(from as string, to as string);
      });
      admin.get('/audit', async () => ({ entries: await control.audit() }));
      admin.post('/bundle/validate', async (req) => ({
        valid: true,
        version: await control.validate(files(req.body)),
      }));
      // A candidate (the serving bundle with `files` replaced; none: the serving bundle itself)
      // against the serving bundle over the decision log (docs/backtest.md).
      // A CSV backtest uploads its rows: this route takes bodies up to CSV_BODY_LIMIT.
      admin.post('/backtest', { bodyLimit: CSV_BODY_LIMIT }, async (req) => {
        const body = (req.body ?? {}) as Record<string, unknown>;
        if (body.csv !== undefined) return csvBacktest(body);
        const dir = deps.decisionLogDir;
        if (dir === undefined)
          throw new RiskError('RISK_ERR_NO_DECISION_LOG', 'a backtest reads the decision log, which is off');
        const time = (k: 'from' | 'to') => {
          const v = body[k];
          if (v === undefined) return undefined;
          const ms = typeof v === 'string' ? Date.parse(v) : Number.NaN;
          if (!Number.isFinite(ms))
            throw RiskError.invalid([{ field: k, description: 'must be an RFC 3339 time' }]);
          return ms;
        };
        const from = time('from');
        const to = time('to');
        const sample = body.sample ?? 20;
        if (typeof sample !== 'number' || !Number.isInteger(sample) || sample < 0 || sample > 1000)
          throw RiskError.invalid([{ field: 'sample', description: 'must be an integer from 0 to 1000' }]);
        const candidateFiles = body.files === undefined ? {} : files(body);
        await deps.flushDecisionLog?.();
        return control.withCandidate(candidateFiles, (candidate) =>
          backtest(readDecisionLog(dir), {
            live: control.serving(),
            candidate,
            ...(from !== undefined ? { from } : {}),
            ...(to !== undefined ? { to } : {}),
            sample,
          }),
        );
      });
      // Over a labelled CSV mapped to events (docs/backtest.md "Over a CSV"): both bundles run the
      // whole engine on fresh counters of their own.
      const csvBacktest = async (body: Record<string, unknown>) => {
        if (typeof body.csv !== 'string' || body.csv === '')
          throw RiskError.invalid([{ field: 'csv', description: 'must be the CSV text, header first' }]);
        const mapping = parseCsvMapping(body.mapping);
        if ('errors' in mapping)
          throw RiskError.invalid(
            mapping.errors.map((e) => ({
              field: e.slice(0, e.indexOf(':')),
              description: e.slice(e.indexOf(':') + 2),
            })),
          );
        const sample = body.sample ?? 20;
        if (typeof sample !== 'number' || !Number.isInteger(sample) || sample < 0 || sample > 1000)
          throw RiskError.invalid([{ field: 'sample', description: 'must be an integer from 0 to 1000' }]);
        const csv = body.csv;
        const candidateFiles = body.files === undefined ? {} : files(body);
        return control.withCandidate(candidateFiles, async (candidate) => {
          const live = control.serving();
          try {
            return await backtestEvents(
              csvEvents({ text: csv, name: 'csv' }, mapping.value, deps.tokenizer, {
                attributes: live.features.attributes,
              }),
              { live, candidate, sample },
            );
          } catch (err) {
            if (err instanceof RiskError) throw err;
            throw RiskError.invalid([{ field: 'csv', description: (err as Error).message }]);
          }
        });
      };
      admin.post('/bundle/publish', async (req) => ({
        version: await control.publish(files(req.body), actorOf(req, keys)),
      }));
      admin.post('/bundle/reload', async () => ({
        version: await control.reload('file', 'admin API'),
      }));
      admin.post('/bundle/rollback', async (req) => {
        const v = (req.body as { version?: unknown } | undefined)?.version;
        if (typeof v !== 'string')
          throw RiskError.invalid([{ field: 'version', description: 'is required' }]);
        return { version: await control.rollback(v, actorOf(req, keys)) };
      });
      admin.put<{ Params: { id: string } }>('/rules/:id', async (req) => ({
        version: await control.publishRule(req.params.id, ruleEdit(req.body), actorOf(req, keys)),
      }));
      admin.post<{ Params: { id: string } }>('/rules/:id/validate', async (req) => ({
        valid: true,
        version: await control.validateRule(req.params.id, ruleEdit(req.body)),
      }));
      admin.delete<{ Params: { id: string } }>('/rules/:id', async (req) => ({
        version: await control.publishRule(req.params.id, { remove: true }, actorOf(req, keys)),
      }));
      admin.get<{ Params: { id: string } }>('/lists/:id/items', async (req) => ({
        items: control.listItems(req.params.id),
      }));
      admin.post<{ Params: { id: string } }>('/lists/:id/items', async (req, reply) => {
        const body = req.body;
        if (typeof body !== 'object' || body === null || Array.isArray(body))
          throw RiskError.invalid([{ field: 'item', description: 'must be an object with value or token' }]);
        const item = await control.addListItem(
          req.params.id,
          body as Record<string, unknown>,
          actorOf(req, keys),
        );
        return reply.code(201).send({ item, version: control.current().version });
      });
      admin.delete<{ Params: { id: string; value: string } }>('/lists/:id/items/:value', async (req) => {
        await control.removeListItem(req.params.id, req.params.value, actorOf(req, keys));
        return { version: control.current().version };
      });
    },
    { prefix: '/admin/v1' },
  );
}

/**
 * The body of PUT /rules/{id}: a rule in the JSON form (`{action, when, reason, ...}`, the id from
 * the path) or `{text}`, one rule in the text form.
 */
function ruleEdit(body: unknown): RuleEdit {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw RiskError.invalid([
      {
        field: 'rule',
        description: 'must be a rule object ({action, when, reason}) or {text: "<rule text>"}',
      },
    ]);
  const b = body as Record<string, unknown>;
  if ('text' in b) {
    if (typeof b.text !== 'string' || b.text.trim() === '')
      throw RiskError.invalid([{ field: 'text', description: 'must be the text form of one rule' }]);
    const others = Object.keys(b).filter((k) => k !== 'text');
    if (others.length > 0)
      throw RiskError.invalid([
        { field: others[0] as string, description: 'a rule given as text has no other fields' },
      ]);
    return { text: b.text };
  }
  return { json: b };
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' ? v : undefined;
}
