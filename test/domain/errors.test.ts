import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERRORS, GrpcCode, RiskError } from '../../src/domain/errors.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const rows = new Map(
  [...doc.matchAll(/^\| `(RISK_ERR_[A-Z_]+)` \| (\d+) \| ([A-Z_]+) \|/gm)].map((m) => [
    m[1],
    { http: Number(m[2]), grpc: m[3] },
  ]),
);
const grpcName = (n: number) => Object.entries(GrpcCode).find(([, v]) => v === n)?.[0];

describe('error catalogue', () => {
  it('documents exactly the codes in the catalogue', () => {
    expect([...rows.keys()].sort()).toEqual(Object.keys(ERRORS).sort());
  });
  it.each(Object.entries(ERRORS))('%s has the documented statuses', (code, spec) => {
    expect(rows.get(code)).toEqual({ http: spec.http, grpc: grpcName(spec.grpc) });
  });
  it('turns unknown throws into RISK_ERR_INTERNAL without leaking the cause message', () => {
    const e = RiskError.from(new Error('db password is hunter2'));
    expect(e.code).toBe('RISK_ERR_INTERNAL');
    expect(e.message).not.toContain('hunter2');
  });
});
