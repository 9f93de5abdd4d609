/** Lines of context around each change, as `diff -u` shows them. */
const CONTEXT = 3;
/** Above this many line pairs the table would be too large: the diff says so instead. */
const MAX_CELLS = 4_000_000;

/**
 * A unified diff of two texts by line (`@@ -a,b +c,d @@` hunks, 3 lines of context), from a
 * longest common subsequence: exact and small, for bundle files of a few thousand lines. Answers ''
 * for equal texts, and a one-line note when the texts are too large to compare this way.
 */
export function lineDiff(from: string, to: string): string {
  if (from === to) return '';
  const a = from.split('\n');
  const b = to.split('\n');
  // Common head and tail first: most edits touch a few lines of a long file.
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const n = a.length - head - tail;
  const m = b.length - head - tail;
  if ((n + 1) * (m + 1) > MAX_CELLS)
    return `(${a.length} and ${b.length} lines: too large to diff by line)\n`;
  // lcs[i * (m + 1) + j]: longest common subsequence of a[head + i ..] and b[head + j ..] (the middles).
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * (m + 1) + j] =
        a[head + i] === b[head + j]
          ? (lcs[(i + 1) * (m + 1) + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j] as number, lcs[i * (m + 1) + j + 1] as number);
  /** Each line of the edit script: ' ', '-' or '+', and the text. */
  const ops: [string, string][] = a.slice(0, head).map((l) => [' ', l]);
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[head + i] === b[head + j]) {
      ops.push([' ', a[head + i] as string]);
      i++;
      j++;
    } else if (
      i < n &&
      (j === m || (lcs[(i + 1) * (m + 1) + j] as number) >= (lcs[i * (m + 1) + j + 1] as number))
    ) {
      ops.push(['-', a[head + i] as string]);
      i++;
    } else {
      ops.push(['+', b[head + j] as string]);
      j++;
    }
  }
  for (const l of a.slice(a.length - tail)) ops.push([' ', l]);
  return hunks(ops);
}

/** Groups an edit script into hunks with their headers. */
function hunks(ops: readonly [string, string][]): string {
  let out = '';
  let k = 0;
  // Line numbers (1-based) in the old and new text of ops[k].
  const oldAt = new Uint32Array(ops.length + 1);
  const newAt = new Uint32Array(ops.length + 1);
  for (let x = 0, o = 1, w = 1; x <= ops.length; x++) {
    oldAt[x] = o;
    newAt[x] = w;
    const op = ops[x]?.[0];
    if (op !== '+') o++;
    if (op !== '-') w++;
  }
  while (k < ops.length) {
    while (k < ops.length && ops[k]?.[0] === ' ') k++;
    if (k === ops.length) break;
    const start = Math.max(0, k - CONTEXT);
    // Extend while the next change is within two contexts of the last.
    let end = k;
    let last = k;
    while (end < ops.length) {
      if (ops[end]?.[0] !== ' ') last = end;
      else if (end - last > 2 * CONTEXT) break;
      end++;
    }
    end = Math.min(ops.length, last + CONTEXT + 1);
    const slice = ops.slice(start, end);
    const olds = slice.filter(([op]) => op !== '+').length;
    const news = slice.filter(([op]) => op !== '-').length;
    out += `@@ -${oldAt[start]},${olds} +${newAt[start]},${news} @@\n`;
    for (const [op, line] of slice) out += `${op}${line}\n`;
    k = end;
  }
  return out;
}
