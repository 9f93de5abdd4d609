import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { listDecisionSegments } from './decision-log.js';
import { snapshotFromBase64 } from './snapshot-base64.js';

/** What reading the decision log skipped. */
export interface DecisionLogReadStats {
  /** Lines that were not JSON objects: a torn last line after a crash, or damage. */
  skippedLines: number;
}

/**
 * Reads every record of the decision log in `dir`, oldest segment first, in write order. A line
 * that does not parse (the torn tail a crash can leave) is skipped and counted in `stats`. Schema
 * lines are not yielded: a record naming one gets its feature names as `featureNames` (the same
 * array for every record of the schema), and its snapshot decoded as `f` (a Float64Array, NaN
 * missing; logs written before 2026-12-03 carry a JSON array there, null missing); `featuresOf`
 * turns a record's snapshot into an object.
 */
export async function* readDecisionLog(
  dir: string,
  stats: DecisionLogReadStats = { skippedLines: 0 },
): AsyncGenerator<Record<string, unknown>> {
  const schemas = new Map<string, readonly string[]>();
  for (const name of listDecisionSegments(dir)) {
    for await (const line of linesOf(join(dir, name))) {
      if (line === '') continue;
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch {
        stats.skippedLines++;
        continue;
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        stats.skippedLines++;
        continue;
      }
      const r = v as Record<string, unknown>;
      if (r.kind === 'schema') {
        if (typeof r.id === 'string' && Array.isArray(r.names)) schemas.set(r.id, r.names as string[]);
        continue;
      }
      if (typeof r.fb === 'string') {
        r.f = snapshotFromBase64(r.fb);
        delete r.fb;
      }
      if (typeof r.schema === 'string') {
        const names = schemas.get(r.schema);
        if (names !== undefined) r.featureNames = names;
      }
      yield r;
    }
  }
}

/** A logged decision's feature snapshot by name (missing values left out). */
export function featuresOf(record: Record<string, unknown>): Record<string, number> {
  const out: Record<string, number> = {};
  const names = record.featureNames as readonly string[] | undefined;
  const f = record.f as ArrayLike<number | null> | undefined;
  if (names === undefined || f === undefined) return out;
  for (let i = 0; i < names.length && i < f.length; i++) {
    const v = f[i];
    if (typeof v === 'number' && !Number.isNaN(v)) out[names[i] as string] = v;
  }
  return out;
}

/** The lines of a file, read in 1 MiB chunks (node:readline costs about as much again as JSON.parse). */
async function* linesOf(path: string): AsyncGenerator<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let carry = '';
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      // A chunk may end inside a UTF-8 sequence: cut at its last newline, decode whole lines only.
      const last = buf.lastIndexOf(0x0a, bytesRead - 1);
      if (last < 0) {
        carry += buf.toString('utf8', 0, bytesRead);
        continue;
      }
      const text = carry + buf.toString('utf8', 0, last);
      carry = buf.toString('utf8', last + 1, bytesRead);
      let from = 0;
      for (;;) {
        const nl = text.indexOf('\n', from);
        if (nl < 0) break;
        yield text.slice(from, nl);
        from = nl + 1;
      }
      yield text.slice(from);
    }
    if (carry !== '') yield carry;
  } finally {
    await fh.close();
  }
}
