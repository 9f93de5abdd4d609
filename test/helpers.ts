import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, createManualClock } from '../src/domain/clock.js';
import { defaultBundleDir } from '../src/engine/index.js';
import { compileFeaturePlan, type FeaturePlan, type FeatureSchema } from '../src/features/index.js';
import { sequenceIds, stageFeatureOf } from '../src/policies/index.js';
import { buildService, type Service } from '../src/server/app.js';
import { type Config, loadConfig } from '../src/server/config.js';

/** Compiles a features section (with derived features after the counters), failing the test on any problem. */
export function featurePlan(section: unknown, derived: readonly string[] = []): FeaturePlan {
  const r = compileFeaturePlan(section, derived);
  if ('errors' in r) throw new Error(r.errors.join('; '));
  return r.value;
}

/** The embedded default bundle's features section, compiled with its sequences' stages, as the loader does. */
export function defaultFeaturePlan(): FeaturePlan {
  const sequences = JSON.parse(readFileSync(join(defaultBundleDir(), 'sequences.json'), 'utf8')) as {
    sequences: unknown;
  };
  return featurePlan(
    JSON.parse(readFileSync(join(defaultBundleDir(), 'features.json'), 'utf8')),
    sequenceIds(sequences.sequences).map(stageFeatureOf),
  );
}

/** The feature schema of the default bundle, as the service builds it. */
export function defaultFeatureSchema(): FeatureSchema {
  return defaultFeaturePlan().schema;
}

/** The acceptance request of issue 2, exactly as written there. */
export const ACCEPTANCE_REQUEST = {
  event: {
    eventId: 'evt-0001',
    type: 'PAYMENT',
    occurredAt: '2026-11-21T10:15:00Z',
    account: { id: 'user-42', email: 'ana@example.com', createdAt: '2025-01-02T00:00:00Z' },
    payment: {
      amountMinor: 12999,
      currency: 'EUR',
      card: { number: '4111111111111111', country: 'DE' },
      merchantId: 'm-17',
      mcc: '5732',
    },
    network: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0', ipCountry: 'DE' },
    device: { id: 'dev-9f2c', confidence: 0.98, timezone: 'Europe/Berlin' },
  },
};

/** 2026-11-21T10:15:00Z, the acceptance event's time; test clocks start here. */
export const T0 = Date.parse('2026-11-21T10:15:00Z');

/** A copy of the acceptance request with another event id and optional changes to the event. */
export function paymentRequest(
  eventId: string,
  patch: Record<string, unknown> = {},
): typeof ACCEPTANCE_REQUEST {
  return {
    event: { ...structuredClone(ACCEPTANCE_REQUEST.event), eventId, ...patch },
  } as typeof ACCEPTANCE_REQUEST;
}

/** Builds a service on the embedded bundle with a manual clock and quiet logs, in memory only (no DATA_DIR). */
export async function testService(
  overrides: Partial<Config> = {},
  clock: Clock = createManualClock(T0).now,
): Promise<Service> {
  const config = loadConfig(
    { LOG_LEVEL: 'silent' },
    { httpPort: 0, grpcPort: 0, host: '127.0.0.1', journalMode: 'off', decisionLog: 'off', ...overrides },
  );
  const service = await buildService(config, { clock, logger: false });
  service.setReady(true);
  return service;
}
