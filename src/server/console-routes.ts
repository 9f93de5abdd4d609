import type { FastifyInstance } from 'fastify';
import { RiskError } from '../domain/index.js';
import type { ConsoleFeed } from './console-feed.js';
import type { DecisionLookup } from './console-lookup.js';
import { listRules, ruleText } from './console-rules.js';
import type { ControlPlane } from './control-plane.js';

/** What the console's admin routes need. */
export interface ConsoleRouteDeps {
  readonly feed: ConsoleFeed;
  readonly lookup: DecisionLookup;
  readonly control: ControlPlane;
}

/**
 * The console's routes under /admin/v1, added inside the admin plugin (its key check applies; a
 * read-only key may call them all, they change nothing): the live stream (Server-Sent Events), the
 * per-second summary and top rules, a decision by id, the rules in the text form and the lists.
 */
export function consoleRoutes(deps: ConsoleRouteDeps): (admin: FastifyInstance) => void {
  const { feed, lookup, control } = deps;
  return (admin) => {
    admin.get('/stream', (req, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      res.socket?.setNoDelay(true);
      const sub = feed.subscribe(res);
      req.raw.once('close', () => sub.close());
    });
    admin.get<{ Querystring: { seconds?: string } }>('/live/summary', async (req) => {
      const raw = req.query.seconds;
      const seconds = raw === undefined ? 300 : Number(raw);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400)
        throw RiskError.invalid([{ field: 'seconds', description: 'must be an integer from 1 to 86400' }]);
      return feed.summary(seconds);
    });
    admin.get<{ Params: { id: string } }>('/decisions/:id', async (req) => lookup.find(req.params.id));
    admin.get('/rules', async () => ({ rules: listRules(await control.ruleFiles()) }));
    admin.get<{ Params: { id: string } }>('/rules/:id', async (req) =>
      ruleText(await control.ruleFiles(), req.params.id),
    );
    admin.get('/lists', async () => ({
      lists: control.serving().lists.lists.map((l) => ({
        id: l.id,
        kind: l.kind,
        action: l.action ?? null,
        items: l.items.size,
      })),
    }));
  };
}
