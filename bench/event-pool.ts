import type { JsonObject } from '@bufbuild/protobuf';
import { createSimulator } from '../src/sim/index.js';

/**
 * The proto3 JSON of one DecideRequest without `event.eventId` and `event.occurredAt`, which the
 * load generators fill in per request (every request gets a fresh id, so none is a replay).
 */
export type EventTemplate = JsonObject & { event: JsonObject };

/** Users the simulator population has unless told otherwise. */
export const DEFAULT_POOL_USERS = 12_000;

/** Options for createEventPool. */
export interface EventPoolOptions {
  /** Number of templates (default 16384). */
  readonly size?: number;
  /** Legitimate users in the simulated population (default 12000). */
  readonly users?: number;
  readonly seed?: number;
}

/**
 * DecideRequest templates from the traffic simulator (src/sim): the first `size` events of a
 * seeded run over `users` legitimate users plus its labelled fraud scenarios, in time order, so
 * the benchmark sends the same kind of traffic the model was trained on and the demos show.
 */
export function createEventPool(options: EventPoolOptions = {}): EventTemplate[] {
  const size = options.size ?? 16_384;
  const sim = createSimulator({ seed: options.seed ?? 2026, users: options.users ?? DEFAULT_POOL_USERS });
  const out: EventTemplate[] = [];
  for (const rec of sim.events()) {
    const { eventId: _id, occurredAt: _at, ...event } = rec.request.event as JsonObject;
    out.push({ event } as EventTemplate);
    if (out.length >= size) break;
  }
  return out;
}

/** The full proto3 JSON of a request: the template with its event id (and time, when given) first. */
export function withEventId(template: EventTemplate, eventId: string, occurredAt?: string): JsonObject {
  return { event: { eventId, ...(occurredAt !== undefined ? { occurredAt } : {}), ...template.event } };
}
