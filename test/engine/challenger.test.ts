import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromJson } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createManualClock,
  createTokenizer,
  eventFromProto,
  type RiskEvent,
} from '../../src/domain/index.js';
import {
  type Bundle,
  type ChallengerScore,
  createDecisionEngine,
  defaultBundleDir,
  loadBundleDir,
} from '../../src/engine/index.js';
import { createCounterStore } from '../../src/features/index.js';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import { createSimulator } from '../../src/sim/index.js';

/** The default model's version, which a challenger must not reuse. */
const championVersion = (
  JSON.parse(readFileSync(join(defaultBundleDir(), 'model/manifest.json'), 'utf8')) as { version: string }
).version;
const dirs: string[] = [];
const bundles: Bundle[] = [];
afterEach(async () => {
  for (const b of bundles.splice(0)) {
    await b.model?.close();
    await b.challenger?.model.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tokenizer = createTokenizer(Buffer.alloc(32, 3));
const clock = createManualClock(0);
const load = async (dir: string) => {
  const b = await loadBundleDir(dir, { tokenizer, now: clock.now });
  bundles.push(b);
  return b;
};

/** The default bundle with its own model copied in as a challenger, under its own version and thresholds. */
function withChallenger(patch: { share?: number; manifest?: Record<string, unknown>; onnx?: Buffer } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'risk-challenger-'));
  dirs.push(dir);
  cpSync(defaultBundleDir(), dir, { recursive: true });
  cpSync(join(dir, 'model'), join(dir, 'challenger'), { recursive: true });
  const manifest = JSON.parse(readFileSync(join(dir, 'model/manifest.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  writeFileSync(
    join(dir, 'challenger/manifest.json'),
    JSON.stringify({
      ...manifest,
      version: 'challenger-1',
      thresholds: { review: 0.05, block: 0.5 },
      ...patch.manifest,
    }),
  );
  if (patch.onnx !== undefined) writeFileSync(join(dir, 'challenger/model.onnx'), patch.onnx);
  const meta = JSON.parse(readFileSync(join(dir, 'bundle.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(
    join(dir, 'bundle.json'),
    JSON.stringify({ ...meta, challenger: { share: patch.share ?? 0.5 } }),
  );
  return dir;
}

function simEvents(n: number): RiskEvent[] {
  const out: RiskEvent[] = [];
  for (const rec of createSimulator({ seed: 11, users: 400, fraudRate: 0.05 }).events()) {
    if (out.length >= n) break;
    const ev = eventFromProto(fromJson(DecideRequestSchema, rec.request), tokenizer);
    if ('errors' in ev) throw new Error(JSON.stringify(ev.errors));
    out.push(ev.value);
  }
  return out;
}

const engineOf = (bundle: Bundle, seen: (ChallengerScore | undefined)[]) =>
  createDecisionEngine({
    bundle,
    store: createCounterStore({ plan: bundle.features, maxEntities: 100_000 }),
    clock: clock.now,
    maxSkewMs: 20 * 365 * 86_400_000,
    onDecision: (_e, _r, _f, _s, _l, c) => seen.push(c),
  });

describe('challenger model', () => {
  it('scores its share of events in shadow and never changes a decision', async () => {
    const champion = await load(defaultBundleDir());
    const both = await load(withChallenger({ share: 0.5 }));
    expect(both.challenger?.model.version).toBe('challenger-1');
    const plain: (ChallengerScore | undefined)[] = [];
    const shadow: (ChallengerScore | undefined)[] = [];
    const a = engineOf(champion, plain);
    const b = engineOf(both, shadow);
    const events = simEvents(1500);
    for (const [i, ev] of events.entries()) {
      clock.set(ev.occurredAtMs ?? 0);
      // Half the events through the micro-batched path, as the servers call it.
      const opts = { batchModel: i % 2 === 0 };
      // One after the other: a first ONNX run is slow, and two engines batching in one turn would
      // make one wait past the model's queue budget.
      const x = await a.decide(ev, undefined, opts);
      const y = await b.decide(ev, undefined, opts);
      expect({ ...y, decisionId: '', timings: [], bundleVersion: '', json: undefined }).toEqual({
        ...x,
        decisionId: '',
        timings: [],
        bundleVersion: '',
        json: undefined,
      });
    }
    expect(plain.every((c) => c === undefined)).toBe(true);
    const scored = shadow.filter((c) => c !== undefined);
    // A hash of the event id picks the share: about half, and the same half on every run.
    expect(scored.length / events.length).toBeGreaterThan(0.42);
    expect(scored.length / events.length).toBeLessThan(0.58);
    // The same model under lower thresholds: equal scores, some tiers differ.
    expect(scored.every((c) => c.failed !== true && c.version === 'challenger-1')).toBe(true);
    expect(scored.some((c) => c.failed !== true && !c.agrees)).toBe(true);
    expect(scored.some((c) => c.failed !== true && c.agrees)).toBe(true);
  }, 60_000);

  it('a challenger that fails at run time is recorded as failed; the decision is the champion’s', async () => {
    const base = await load(defaultBundleDir());
    const model = base.model;
    if (model === undefined) throw new Error('no model');
    const broken: Bundle = {
      ...base,
      challenger: {
        share: 1,
        model: {
          ...model,
          version: 'broken',
          score: () => Promise.reject(new Error('boom')),
          scoreNow: () => {
            throw new Error('boom');
          },
        },
      },
    };
    const seen: (ChallengerScore | undefined)[] = [];
    const e = engineOf(broken, seen);
    const ev = simEvents(1)[0] as RiskEvent;
    const d1 = await e.decide({ ...ev, eventId: 'x1' });
    const d2 = await e.decide({ ...ev, eventId: 'x2' }, undefined, { batchModel: true });
    expect(seen).toEqual([
      { version: 'broken', failed: true },
      { version: 'broken', failed: true },
    ]);
    expect(d1.degraded).toEqual([]);
    expect(d2.modelScore).toBeTypeOf('number');
  });

  it.each([
    [{ onnx: Buffer.from('not a model') }, 'challenger/model.onnx:'],
    [{ manifest: { version: championVersion } }, 'the challenger has the champion’s version'],
    [{ share: 1.5 }, 'bundle.json: challenger.share must be in [0, 1]'],
    [
      { manifest: { features: [{ name: 'nope', default: null }] } },
      'challenger/manifest.json: manifest.features[0].name',
    ],
  ])('a bad challenger rejects the bundle: %j', async (patch, message) => {
    await expect(load(withChallenger(patch))).rejects.toThrow(message);
  });
});
