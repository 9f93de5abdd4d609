import type { FastifyInstance } from 'fastify';
import { parseOutcome, RiskError } from '../domain/index.js';
import type { OutcomeDesk } from './outcome-desk.js';
import { keyCheck } from './rest.js';

/** What the outcome route needs. */
export interface OutcomeRouteDeps {
  readonly desk: OutcomeDesk;
  /** The decision endpoints' key check: outcomes come from the same callers. */
  readonly authorize?: (
    authorization: string | undefined,
    apiKey: string | undefined,
  ) => RiskError | undefined;
}

/**
 * POST /v1/outcomes (docs/api.md "Outcomes"): `{"decisionId" or "eventId", "type", ...}` labels a
 * decision with what became of it. Answers 201 with the outcome once it is durable in the decision
 * log; 400 naming the field for a bad body, 404 for an unknown decision.
 */
export function registerOutcomes(app: FastifyInstance, deps: OutcomeRouteDeps): void {
  app.post(
    '/v1/outcomes',
    {
      onRequest: keyCheck(deps.authorize),
    },
    async (req, reply) => {
      const parsed = parseOutcome(req.body);
      if ('errors' in parsed) throw RiskError.invalid(parsed.errors);
      const record = await deps.desk.report(parsed.value);
      return reply.code(201).send(record);
    },
  );
}
