/**
 * Codec micro-benchmark: the generated reflection-free codecs (src/gen/risk/v1/risk_codec.ts)
 * against @bufbuild/protobuf's reflective ones, on the same inputs in the same run.
 *
 *   npx tsx bench/codec-bench.ts [rounds]
 *
 * Inputs are 1,000 simulator requests (their REST JSON, already parsed, and their binary form)
 * and 1,000 responses shaped like the service's (7 timings, 0-3 reasons). Each round times every
 * contender over all inputs; the table shows the median ns/op over the rounds and how many times
 * slower the reflective codec is.
 */
import { create, fromBinary, fromJson, type JsonValue, toBinary } from '@bufbuild/protobuf';
import {
  decideRequestFromBinary,
  decideRequestFromJson,
  decideResponseToBinary,
} from '../src/gen/risk/v1/risk_codec.js';
import {
  DecideRequestSchema,
  type DecideResponse,
  DecideResponseSchema,
} from '../src/gen/risk/v1/risk_pb.js';
import { createSimulator } from '../src/sim/index.js';

/** One operation measured with several implementations of it. */
export interface Contest<T> {
  readonly name: string;
  readonly inputs: readonly T[];
  readonly contenders: Readonly<Record<string, (input: T) => unknown>>;
}

const N = 1000;

function requests(): { json: JsonValue[]; binary: Uint8Array[] } {
  const json: JsonValue[] = [];
  const binary: Uint8Array[] = [];
  for (const r of createSimulator({ seed: 7 }).events()) {
    const j = JSON.parse(JSON.stringify(r.request)) as JsonValue;
    json.push(j);
    binary.push(toBinary(DecideRequestSchema, fromJson(DecideRequestSchema, j)));
    if (json.length >= N) break;
  }
  return { json, binary };
}

function responses(): DecideResponse[] {
  const stages = ['features', 'lists', 'device', 'model', 'rules', 'combine', 'commit'];
  return Array.from({ length: N }, (_, i) =>
    create(DecideResponseSchema, {
      decisionId: `dec-${i.toString(16).padStart(12, '0')}`,
      eventId: `evt-${i}`,
      decision: 1 + (i % 4),
      score: (i % 997) / 997,
      reasons: Array.from({ length: i % 4 }, (_, j) => ({
        code: `rule_${j}_velocity`,
        message: 'card used 5 times in 1h',
        source: 3,
        ruleId: `r-${j}`,
        action: 3,
      })),
      bundleVersion: 'default@0123456789ab',
      modelVersion: 'gbdt-2026-11-01',
      timings: stages.map((stage, j) => ({ stage, micros: 3.5 * (j + 1) })),
      ...(i % 10 === 0 ? {} : { modelScore: (i % 89) / 89 }),
    }),
  );
}

/** The default contests: generated vs reflective for the three codecs the service uses. */
export function defaultContests(): Contest<unknown>[] {
  const req = requests();
  const res = responses();
  return [
    {
      name: 'DecideRequest from JSON (parsed)',
      inputs: req.json,
      contenders: {
        generated: (j) => decideRequestFromJson(j),
        reflective: (j) => fromJson(DecideRequestSchema, j as JsonValue),
      },
    },
    {
      name: 'DecideRequest from binary',
      inputs: req.binary,
      contenders: {
        generated: (b) => decideRequestFromBinary(b as Uint8Array),
        reflective: (b) => fromBinary(DecideRequestSchema, b as Uint8Array),
      },
    },
    {
      name: 'DecideResponse to binary',
      inputs: res,
      contenders: {
        generated: (m) => decideResponseToBinary(m as DecideResponse),
        reflective: (m) => toBinary(DecideResponseSchema, m as DecideResponse),
      },
    },
  ] as Contest<unknown>[];
}

let sink = 0;

function timeOnce<T>(inputs: readonly T[], fn: (input: T) => unknown): number {
  const start = process.hrtime.bigint();
  for (const x of inputs) if (fn(x) !== undefined) sink++;
  return Number(process.hrtime.bigint() - start) / inputs.length;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** Runs the contests (warm-up, then `rounds` interleaved rounds) and prints the table. */
export function runContests(contests: Contest<unknown>[], rounds: number): void {
  const rows: string[][] = [['operation', 'codec', 'ns/op', '/ generated']];
  for (const c of contests) {
    const names = Object.keys(c.contenders);
    const samples = new Map<string, number[]>(names.map((n) => [n, []]));
    for (const n of names)
      for (let i = 0; i < 20; i++) timeOnce(c.inputs, c.contenders[n] as (x: unknown) => unknown);
    for (let r = 0; r < rounds; r++) {
      for (const n of names)
        samples.get(n)?.push(timeOnce(c.inputs, c.contenders[n] as (x: unknown) => unknown));
    }
    const base = median(samples.get(names[0] as string) ?? []);
    for (const n of names) {
      const ns = median(samples.get(n) ?? []);
      rows.push([c.name, n, ns.toFixed(0), (ns / base).toFixed(2)]);
    }
  }
  const widths = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  for (const r of rows)
    console.log(
      r
        .map((cell, i) => (i < 2 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number)))
        .join('  '),
    );
  if (sink < 0) console.log(sink);
}

// Not run when imported (a one-off comparison script can add contenders to the same table).
if (import.meta.url === `file://${process.argv[1]}`) {
  runContests(defaultContests(), Number(process.argv[2] ?? 15));
}
