import { Rng } from '../src/sim/index.js';
import { createEventPool, type EventTemplate } from './event-pool.js';

/**
 * `count` templates picked at random (seeded) from the simulator pool, like the wrk script: new
 * and returning entities mix evenly through the run. The same count gives the same list.
 */
export function pickTemplates(count: number): EventTemplate[] {
  const templates = createEventPool();
  const rng = new Rng(42, 'bench-inprocess');
  return Array.from({ length: count }, () => rng.pick(templates));
}
