import type { RiskEvent } from '../../src/domain/index.js';
import { createFeatureSchema } from '../../src/features/index.js';
import {
  compileExpression,
  createListSet,
  type EvalContext,
  type Predicate,
} from '../../src/policies/index.js';

/** The three numeric features the expression tests read. */
export const schema = createFeatureSchema(['amount_usd', 'card.count_1h', 'device.bot']);

/** The time the tests compile at: `@old` has expired by then, `@vip` never does. */
export const NOW = 5000;

/** `@vip` holds u-vip; `@old` holds u-old, expired at 1000. */
export const lists = createListSet([
  {
    id: 'vip',
    kind: 'user',
    match: 'exact',
    reasonCode: 'vip',
    message: 'vip',
    items: new Map([['u-vip', { value: 'u-vip' }]]),
  },
  {
    id: 'old',
    kind: 'user',
    match: 'exact',
    reasonCode: 'old',
    message: 'old',
    items: new Map([['u-old', { value: 'u-old', expiresAtMs: 1000 }]]),
  },
]);

/** Compiles `src` against the fixtures, throwing on a compile error so a test fails loudly. */
export function compile(src: string): Predicate {
  const c = compileExpression(src, { schema, lists, now: () => NOW });
  if ('error' in c) throw new Error(`${src}: ${c.error.line}:${c.error.column} ${c.error.message}`);
  return c.value;
}

/** The string fields the fixtures' events can carry; undefined leaves a field out. */
export interface StringValues {
  readonly user?: string | undefined;
  readonly cardCountry?: string | undefined;
  readonly ipCountry?: string | undefined;
  readonly channel?: string | undefined;
}

/** A payment event with only the given string fields set. */
export function eventOf(v: StringValues): RiskEvent {
  return {
    eventId: 'e',
    type: 'PAYMENT',
    account: v.user === undefined ? {} : { id: v.user },
    payment: { amountMinor: 1, ...(v.cardCountry === undefined ? {} : { cardCountry: v.cardCountry }) },
    network: { isProxy: false, ...(v.ipCountry === undefined ? {} : { ipCountry: v.ipCountry }) },
    device: { emulator: false, rooted: false, bot: false, incognito: false },
    attributes: v.channel === undefined ? {} : { channel: v.channel },
  };
}

/** A context from feature values in schema order (NaN is missing) and string fields. */
export function contextOf(features: readonly number[], strings: StringValues = {}): EvalContext {
  return { event: eventOf(strings), features: Float64Array.from(features) };
}
