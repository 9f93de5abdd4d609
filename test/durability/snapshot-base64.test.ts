import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decisionSegmentName,
  featuresOf,
  readDecisionLog,
  snapshotBase64,
  snapshotFromBase64,
} from '../../src/durability/index.js';

describe('logged feature snapshots', () => {
  it('round-trip every float64 bit for bit, NaN (missing) included', () => {
    fc.assert(
      fc.property(fc.array(fc.double(), { maxLength: 300 }), (values) => {
        const f = Float64Array.from(values);
        // A view at an odd offset of a larger buffer writes only its own bytes.
        const big = new Float64Array(f.length + 2);
        big.set(f, 1);
        const view = big.subarray(1, 1 + f.length);
        const back = snapshotFromBase64(snapshotBase64(view));
        expect(Array.from(back)).toEqual(Array.from(f));
        expect(Object.is(back[0], f[0]) || f.length === 0).toBe(true);
      }),
    );
  });

  it('read back from both formats: base64 (fb) and an older log’s JSON array (f, null missing)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'risk-snapshot-'));
    try {
      const schema = { kind: 'schema', id: 's1', names: ['a', 'b', 'c'] };
      const fb = snapshotBase64(Float64Array.of(1.5, Number.NaN, -0.1));
      writeFileSync(
        join(dir, decisionSegmentName(1)),
        [
          JSON.stringify(schema),
          JSON.stringify({ kind: 'decision', decisionId: 'new', schema: 's1', fb }),
          JSON.stringify({ kind: 'decision', decisionId: 'old', schema: 's1', f: [1.5, null, -0.1] }),
          '',
        ].join('\n'),
      );
      const got: Record<string, Record<string, number>> = {};
      for await (const r of readDecisionLog(dir)) got[String(r.decisionId)] = featuresOf(r);
      expect(got).toEqual({ new: { a: 1.5, c: -0.1 }, old: { a: 1.5, c: -0.1 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
