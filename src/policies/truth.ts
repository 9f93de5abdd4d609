/**
 * A Kleene truth value as a small int, ordered so that `and` is min, `or` is max and `not` is
 * 2 - x: FALSE < UNKNOWN < TRUE. Ints keep compiled conditions allocation-free per evaluation.
 */
export type Truth = 0 | 1 | 2;

/** Definitely false. */
export const FALSE: Truth = 0;
/** Unknown: a comparison touched a missing value. */
export const UNKNOWN: Truth = 1;
/** Definitely true. */
export const TRUE: Truth = 2;

/** A compiled three-valued condition over a context `C` (generic so this module imports nothing). */
export type Condition<C> = (ctx: C) => Truth;

/** A JS boolean as a definite truth value. */
export const truth = (b: boolean): Truth => (b ? TRUE : FALSE);

/** Kleene `and`: false if either side is false, else unknown if either is unknown. Short-circuits on false. */
export function andOf<C>(a: Condition<C>, b: Condition<C>): Condition<C> {
  return (c) => {
    const x = a(c);
    if (x === FALSE) return FALSE;
    // x is unknown or true here, so the weaker side decides.
    const y = b(c);
    return y === TRUE ? x : y;
  };
}

/** Kleene `or`: true if either side is true, else unknown if either is unknown. Short-circuits on true. */
export function orOf<C>(a: Condition<C>, b: Condition<C>): Condition<C> {
  return (c) => {
    const x = a(c);
    if (x === TRUE) return TRUE;
    // x is false or unknown here, so the stronger side decides.
    const y = b(c);
    return y === FALSE ? x : y;
  };
}

/** Kleene `not`: swaps true and false, keeps unknown unknown (so a missing value never fires a negation). */
export function notOf<C>(a: Condition<C>): Condition<C> {
  return (c) => (TRUE - a(c)) as Truth;
}
