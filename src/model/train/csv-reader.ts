/**
 * Streams a labelled CSV file into typed columns in two passes: the first finds each column's type
 * (numeric when every non-missing value is a number, else categorical) and the row count; the second
 * fills one Float32Array per column, sized exactly. Categorical columns hold codes (0 = most frequent
 * category) as float32; missing values and categories beyond the kept `maxCategories` are NaN.
 * Fields follow RFC 4180: quoted fields may hold commas, doubled quotes and line breaks.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** Options for reading a labelled CSV. */
export interface CsvReadOptions {
  /** The label column: 0/1 (also 0.0/1.0, true/false). */
  readonly label: string;
  /** Feature columns to use (default: every column but the label). */
  readonly columns?: readonly string[];
  /** Columns to leave out. */
  readonly exclude?: readonly string[];
  /** Columns to treat as categorical even when their values are numbers (codes, zip codes). */
  readonly categorical?: readonly string[];
  /** Most frequent categories kept per categorical column; rarer ones read as missing. Default 254. */
  readonly maxCategories?: number;
  /** Field separator. Default ','. */
  readonly delimiter?: string;
}

/** A numeric feature column. */
export interface NumericColumn {
  readonly name: string;
  readonly kind: 'numeric';
  readonly values: Float32Array;
  /** Rows whose value was empty or a missing marker (NA, NaN, null, ...). */
  readonly missing: number;
}

/** A categorical feature column: `values[r]` is an index into `categories`, or NaN. */
export interface CategoricalColumn {
  readonly name: string;
  readonly kind: 'categorical';
  readonly values: Float32Array;
  readonly missing: number;
  /** Kept categories, most frequent first (ties by text); code = index. */
  readonly categories: readonly string[];
  /** Distinct values seen, including the ones not kept. */
  readonly distinct: number;
}

/** A feature column of a CSV table. */
export type CsvColumn = NumericColumn | CategoricalColumn;

/** A labelled table read from CSV. */
export interface CsvTable {
  readonly columns: readonly CsvColumn[];
  readonly labels: Uint8Array;
  readonly nRows: number;
  /** Problems worth telling the user about that did not stop the read. */
  readonly warnings: readonly string[];
}

/** An input problem, with the file and line it was found on when there is one. */
export class CsvError extends Error {
  override readonly name = 'CsvError';
}

const MISSING = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '-']);

/** True when the (trimmed) field marks a missing value. */
export function isMissing(field: string): boolean {
  // Every marker is at most 4 characters: longer fields skip the allocations of trim and lowercase.
  if (field.length === 0) return true;
  if (field.length > 8) return false;
  return MISSING.has(field.trim().toLowerCase());
}

/** Reads a labelled CSV into typed columns (two streaming passes). */
export async function readCsv(path: string, options: CsvReadOptions): Promise<CsvTable> {
  const maxCategories = options.maxCategories ?? 254;
  if (!Number.isInteger(maxCategories) || maxCategories < 1 || maxCategories > 254) {
    throw new CsvError(`maxCategories must be an integer in [1, 254], got ${maxCategories}`);
  }
  const delimiter = options.delimiter ?? ',';
  let header: string[] | undefined;
  let selected: number[] = [];
  let labelIdx = -1;
  let numeric: boolean[] = [];
  let nRows = 0;
  const forced = new Set(options.categorical ?? []);

  // Pass 1: header, selection, types, row count.
  for await (const { fields, line } of records(path, delimiter)) {
    if (header === undefined) {
      header = fields.map((f) => f.trim());
      ({ selected, labelIdx } = selectColumns(header, options));
      numeric = selected.map((c) => !forced.has(header?.[c] as string));
      continue;
    }
    checkWidth(path, line, fields.length, header.length);
    parseLabel(path, line, fields[labelIdx] as string, options.label);
    selected.forEach((c, j) => {
      if (!numeric[j]) return;
      const f = fields[c] as string;
      if (!isMissing(f) && !Number.isFinite(Number(f))) numeric[j] = false;
    });
    nRows++;
  }
  if (header === undefined) throw new CsvError(`${path}: the file is empty (no header line)`);
  if (nRows === 0) throw new CsvError(`${path}: no data rows after the header`);

  // Pass 2: values.
  const labels = new Uint8Array(nRows);
  const values = selected.map(() => new Float32Array(nRows));
  const provisional = selected.map((_, j) => (numeric[j] ? undefined : new Map<string, number>()));
  const missing = new Array<number>(selected.length).fill(0);
  let r = -1;
  for await (const { fields, line } of records(path, delimiter)) {
    if (r === -1) {
      r = 0;
      continue;
    }
    if (r >= nRows) throw new CsvError(`${path}:${line}: the file grew while it was read`);
    labels[r] = parseLabel(path, line, fields[labelIdx] as string, options.label);
    for (let j = 0; j < selected.length; j++) {
      const f = fields[selected[j] as number] as string;
      const col = values[j] as Float32Array;
      if (isMissing(f)) {
        col[r] = Number.NaN;
        missing[j] = (missing[j] as number) + 1;
        continue;
      }
      const seen = provisional[j];
      if (seen === undefined) {
        col[r] = Number(f);
        continue;
      }
      // Provisional codes in order of first appearance; remapped by frequency below.
      const text = f.trim();
      let code = seen.get(text);
      if (code === undefined) {
        code = seen.size;
        seen.set(text, code);
      }
      col[r] = code;
    }
    r++;
  }

  const warnings: string[] = [];
  const columns = selected.map((c, j): CsvColumn => {
    const name = header?.[c] as string;
    const col = values[j] as Float32Array;
    const seen = provisional[j];
    if (seen === undefined) return { name, kind: 'numeric', values: col, missing: missing[j] as number };
    const categories = finishCategories(col, seen, maxCategories);
    if (seen.size > maxCategories) {
      warnings.push(
        `column ${name}: ${seen.size} distinct values; the ${maxCategories} most frequent are kept, the rest read as missing` +
          (seen.size > nRows / 2 ? ' (it looks like an identifier: consider --exclude)' : ''),
      );
    }
    return {
      name,
      kind: 'categorical',
      values: col,
      missing: missing[j] as number,
      categories,
      distinct: seen.size,
    };
  });
  return { columns, labels, nRows, warnings };
}

function selectColumns(header: string[], options: CsvReadOptions) {
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new CsvError(`column ${JSON.stringify(h)} appears twice in the header`);
    seen.add(h);
  }
  const known = (what: string, names: readonly string[] | undefined) => {
    for (const n of names ?? []) {
      if (!seen.has(n)) {
        throw new CsvError(`${what}: no column ${JSON.stringify(n)}; the header has ${header.join(', ')}`);
      }
    }
  };
  known('--label', [options.label]);
  known('--columns', options.columns);
  known('--exclude', options.exclude);
  known('--categorical', options.categorical);
  const labelIdx = header.indexOf(options.label);
  const include = options.columns ? new Set(options.columns) : undefined;
  const exclude = new Set(options.exclude ?? []);
  const selected: number[] = [];
  header.forEach((h, i) => {
    if (i === labelIdx || exclude.has(h) || (include && !include.has(h))) return;
    selected.push(i);
  });
  if (selected.length === 0) throw new CsvError('no feature columns left after --columns/--exclude');
  return { selected, labelIdx };
}

function checkWidth(path: string, line: number, got: number, want: number): void {
  if (got !== want)
    throw new CsvError(`${path}:${line}: expected ${want} fields (as in the header), got ${got}`);
}

function parseLabel(path: string, line: number, field: string, name: string): number {
  const t = field.trim().toLowerCase();
  if (t === '1' || t === '1.0' || t === 'true') return 1;
  if (t === '0' || t === '0.0' || t === 'false') return 0;
  throw new CsvError(
    `${path}:${line}: label ${name} must be 0 or 1 (or true/false), got ${JSON.stringify(field)}`,
  );
}

/** Keeps the most frequent categories (ties by text) and rewrites provisional codes to final ones. */
function finishCategories(col: Float32Array, seen: Map<string, number>, max: number): string[] {
  const counts = new Uint32Array(seen.size);
  for (let r = 0; r < col.length; r++) {
    const v = col[r] as number;
    if (!Number.isNaN(v)) counts[v] = (counts[v] as number) + 1;
  }
  const byFrequency = [...seen].sort(
    (a, b) => (counts[b[1]] as number) - (counts[a[1]] as number) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0),
  );
  const kept = byFrequency.slice(0, max);
  const remap = new Float32Array(seen.size).fill(Number.NaN);
  kept.forEach(([, code], i) => {
    remap[code] = i;
  });
  for (let r = 0; r < col.length; r++) {
    const v = col[r] as number;
    if (!Number.isNaN(v)) col[r] = remap[v] as number;
  }
  return kept.map(([text]) => text);
}

/** Yields the file's records with the line each starts on; blank lines are skipped. */
const records = (path: string, delimiter: string) => csvRecords(path, delimiter);

/**
 * The records of a CSV (RFC 4180: quoted fields may hold delimiters, doubled quotes and line breaks),
 * each with the line it starts on; blank lines are skipped. Reads `input` when given (`name` then
 * only names it in errors), else the file `name`.
 */
export async function* csvRecords(
  name: string,
  delimiter = ',',
  input?: NodeJS.ReadableStream,
): AsyncGenerator<{ fields: string[]; line: number }> {
  const path = name;
  const rl = createInterface({
    input: input ?? createReadStream(path, { encoding: 'utf8' }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let lineNo = 0;
  let pending: string | undefined;
  let start = 0;
  try {
    for await (let text of rl) {
      lineNo++;
      if (lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (pending !== undefined) {
        pending += `\n${text}`;
      } else {
        if (text === '') continue;
        pending = text;
        start = lineNo;
      }
      if (!pending.includes('"')) {
        yield { fields: pending.split(delimiter), line: start };
        pending = undefined;
        continue;
      }
      const fields = splitQuoted(pending, delimiter, path, start);
      if (fields === undefined) continue; // an open quote: the record goes on on the next line
      yield { fields, line: start };
      pending = undefined;
    }
  } finally {
    rl.close();
  }
  if (pending !== undefined) throw new CsvError(`${path}:${start}: a quoted field is never closed`);
}

/** Splits one record with quoted fields; undefined when a quote is still open at the end. */
function splitQuoted(s: string, delimiter: string, path: string, line: number): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  const n = s.length;
  for (;;) {
    if (s[i] === '"') {
      let value = '';
      let j = i + 1;
      for (;;) {
        const q = s.indexOf('"', j);
        if (q === -1) return undefined;
        value += s.slice(j, q);
        if (s[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      if (i < n && !s.startsWith(delimiter, i)) {
        throw new CsvError(
          `${path}:${line}: unexpected text after the closing quote of field ${fields.length + 1}`,
        );
      }
      fields.push(value);
    } else {
      const d = s.indexOf(delimiter, i);
      const end = d === -1 ? n : d;
      const value = s.slice(i, end);
      if (value.includes('"')) {
        throw new CsvError(`${path}:${line}: a quote inside unquoted field ${fields.length + 1}`);
      }
      fields.push(value);
      i = end;
    }
    if (i >= n) return fields;
    i += delimiter.length;
    if (i === n) {
      fields.push('');
      return fields;
    }
  }
}
