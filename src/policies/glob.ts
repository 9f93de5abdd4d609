/**
 * A matcher for SQL LIKE patterns: `%` matches any run of characters (none included), `_` exactly
 * one, `\` makes the next character literal; everything else matches itself, case-sensitively, and
 * the pattern covers the whole text. Matching is the greedy two-pointer walk that backs up only to
 * the last `%`: O(text × pattern) at worst, never exponential, so no pattern can stall a decision.
 */
export function globMatcher(pattern: string): (text: string) => boolean {
  // Compile to parallel arrays: kind 0 literal char, 1 any one, 2 any run.
  const kinds: number[] = [];
  const chars: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '\\' && i + 1 < pattern.length) {
      kinds.push(0);
      chars.push(pattern[++i] as string);
    } else if (c === '%') {
      // Runs of % are one %.
      if (kinds.at(-1) !== 2) {
        kinds.push(2);
        chars.push('');
      }
    } else {
      kinds.push(c === '_' ? 1 : 0);
      chars.push(c);
    }
  }
  const n = kinds.length;
  return (text) => {
    let t = 0;
    let p = 0;
    let star = -1;
    let mark = 0;
    while (t < text.length) {
      if (p < n && (kinds[p] === 1 || (kinds[p] === 0 && chars[p] === text[t]))) {
        t++;
        p++;
      } else if (p < n && kinds[p] === 2) {
        star = p++;
        mark = t;
      } else if (star >= 0) {
        p = star + 1;
        t = ++mark;
      } else return false;
    }
    while (p < n && kinds[p] === 2) p++;
    return p === n;
  };
}
