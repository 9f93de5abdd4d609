import type { FastifyInstance } from 'fastify';
import type { Clock } from '../domain/index.js';
import type { DataQuality } from '../engine/index.js';
import type { Alerts } from './alerts.js';

/** What the alert and data-quality routes read. */
export interface AlertRouteDeps {
  readonly alerts: Alerts;
  readonly quality: DataQuality;
  readonly clock: Clock;
}

/**
 * Registers, inside the admin plugin (its key check applies): `GET /quality` (per-source, per-field
 * completeness and validity, docs/data-quality.md), `GET /alerts` (webhooks, delivery counters, the
 * last 50 alerts) and `GET /alerts/dead-letters` (docs/alerts.md).
 */
export function registerAlertRoutes(admin: FastifyInstance, deps: AlertRouteDeps): void {
  admin.get('/quality', async () => deps.quality.snapshot(deps.clock()));
  admin.get('/alerts', async () => ({
    webhooks: deps.alerts.webhooks(),
    stats: deps.alerts.stats(),
    recent: deps.alerts.recent(),
  }));
  admin.get('/alerts/dead-letters', async () => ({ deadLetters: deps.alerts.deadLetters() }));
}
