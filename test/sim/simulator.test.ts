import { fromJson, toBinary } from '@bufbuild/protobuf';
import { beforeAll, describe, expect, it } from 'vitest';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import {
  createSimulator,
  FRAUD_SCENARIOS,
  isLuhnValid,
  type LabelledEvent,
  luhnCheckDigit,
  Rng,
  recordLine,
  resolveOptions,
  sequentialPan,
} from '../../src/sim/index.js';

const MIN = 60_000;

function take(it: Iterable<LabelledEvent>, n: number): LabelledEvent[] {
  const out: LabelledEvent[] = [];
  for (const e of it) {
    out.push(e);
    if (out.length >= n) break;
  }
  return out;
}

function byIncident(events: readonly LabelledEvent[], scenario: string): Map<string, LabelledEvent[]> {
  const m = new Map<string, LabelledEvent[]>();
  for (const e of events) {
    if (e.scenario !== scenario || e.incident === undefined) continue;
    const list = m.get(e.incident) ?? [];
    list.push(e);
    m.set(e.incident, list);
  }
  return m;
}

/** Incidents whose events all fall inside the sample (the first and last incident may be cut off). */
function complete(m: Map<string, LabelledEvent[]>, sample: readonly LabelledEvent[]): LabelledEvent[][] {
  const last = sample[sample.length - 1]?.at ?? 0;
  return [...m.values()].filter((evs) => (evs[evs.length - 1]?.at ?? 0) < last - 6 * 3_600_000);
}

describe('simulator', () => {
  let sample: LabelledEvent[];
  beforeAll(() => {
    sample = take(createSimulator({ seed: 42, users: 800, fraudRate: 0.12 }).events(), 40_000);
  });

  it('is deterministic: same seed and options give identical records', () => {
    const a = take(createSimulator({ seed: 9, users: 300 }).events(), 1000).map(recordLine);
    const b = take(createSimulator({ seed: 9, users: 300 }).events(), 1000).map(recordLine);
    expect(a).toHaveLength(1000);
    expect(b).toEqual(a);
    const sim = createSimulator({ seed: 9, users: 300 });
    expect(take(sim.events(), 1000).map(recordLine)).toEqual(take(sim.events(), 1000).map(recordLine));
    const c = take(createSimulator({ seed: 10, users: 300 }).events(), 1000).map(recordLine);
    expect(c).not.toEqual(a);
  });

  it('emits valid risk.v1.DecideRequest JSON for every record', () => {
    let bad = 0;
    for (const rec of sample) {
      const msg = fromJson(DecideRequestSchema, rec.request);
      if (msg.event?.eventId !== rec.request.event.eventId || toBinary(DecideRequestSchema, msg).length === 0)
        bad++;
    }
    expect(bad).toBe(0);
    // Thousands of protobuf round trips: seconds on a busy 2-core machine.
  }, 30_000);

  it('labels every record and produces every scenario', () => {
    const scenarios = new Set(sample.map((e) => e.scenario));
    expect([...scenarios].sort()).toEqual(['legit', ...FRAUD_SCENARIOS].sort());
    const mislabelled = sample.filter(
      (e) =>
        e.label !== (e.scenario === 'legit' ? 0 : 1) ||
        (e.incident === undefined) !== (e.scenario === 'legit'),
    );
    expect(mislabelled).toEqual([]);
    const line = JSON.parse(recordLine(sample[0] as LabelledEvent)) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual(['label', 'scenario', 'request']);
  });

  it('yields events in non-decreasing time order with unique seeded ids', () => {
    const ids = new Set<string>();
    const problems: string[] = [];
    let prev = 0;
    for (const e of sample) {
      const ev = e.request.event;
      if (e.at < prev) problems.push(`out of order: ${ev.eventId}`);
      prev = e.at;
      if (Date.parse(ev.occurredAt) !== e.at) problems.push(`occurredAt mismatch: ${ev.eventId}`);
      if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(ev.occurredAt))
        problems.push(ev.occurredAt);
      if (!/^sim-42-\d+$/.test(ev.eventId)) problems.push(`bad id ${ev.eventId}`);
      ids.add(ev.eventId);
    }
    expect(problems).toEqual([]);
    expect(ids.size).toBe(sample.length);
    expect(sample[0]?.at).toBeGreaterThanOrEqual(Date.parse('2026-11-01T00:00:00Z'));
  });

  it('uses Luhn-valid card numbers everywhere', () => {
    let cards = 0;
    const invalid: string[] = [];
    for (const e of sample) {
      const n = e.request.event.payment?.card?.number;
      if (n === undefined) continue;
      cards++;
      if (!isLuhnValid(n)) invalid.push(n);
    }
    expect(invalid).toEqual([]);
    expect(cards).toBeGreaterThan(1000);
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
    expect(luhnCheckDigit('411111111111111')).toBe('1');
    expect(isLuhnValid(sequentialPan('453201', 12345))).toBe(true);
  });

  it('legit traffic looks benign but noisy', () => {
    const legit = sample.filter((e) => e.scenario === 'legit');
    const types = new Set(legit.map((e) => e.request.event.type));
    for (const t of ['LOGIN', 'PAYMENT', 'TWO_FACTOR', 'LOGOUT']) expect(types.has(t as never)).toBe(true);
    const failed = legit.filter((e) => e.request.event.login?.success === false).length;
    const payments = legit.filter((e) => e.request.event.type === 'PAYMENT');
    const foreign = payments.filter(
      (e) => e.request.event.payment?.card?.country !== e.request.event.network?.ipCountry,
    );
    expect(failed / legit.length).toBeGreaterThan(0.002);
    expect(failed / legit.length).toBeLessThan(0.05);
    expect(foreign.length / payments.length).toBeGreaterThan(0.005);
    expect(foreign.length / payments.length).toBeLessThan(0.2);
    const conf = legit.map((e) => e.request.event.device?.confidence ?? 0);
    expect(conf.reduce((a, b) => a + b, 0) / conf.length).toBeGreaterThan(0.85);
  });

  it('card testing: bursts of small charges over many cards sharing a BIN within minutes', () => {
    const incidents = complete(byIncident(sample, 'card_testing'), sample);
    expect(incidents.length).toBeGreaterThan(0);
    for (const evs of incidents) {
      const pays = evs.filter((e) => e.request.event.type === 'PAYMENT');
      expect(pays.length).toBeGreaterThanOrEqual(15);
      const bins = new Set(pays.map((e) => e.request.event.payment?.card?.number?.slice(0, 6)));
      expect(bins.size).toBe(1);
      const cards = new Set(pays.map((e) => e.request.event.payment?.card?.number));
      expect(cards.size).toBeGreaterThanOrEqual(10);
      for (const p of pays) {
        const amt = p.request.event.payment?.amountMinor ?? 0;
        expect(amt).toBeGreaterThanOrEqual(50);
        expect(amt).toBeLessThanOrEqual(300);
      }
      // At least 10 charges with that BIN inside some 10-minute window.
      let best = 0;
      for (let i = 0, j = 0; i < pays.length; i++) {
        while ((pays[i]?.at ?? 0) - (pays[j]?.at ?? 0) > 10 * MIN) j++;
        best = Math.max(best, i - j + 1);
      }
      expect(best).toBeGreaterThanOrEqual(10);
      const ips = new Set(pays.map((e) => e.request.event.network?.ip?.split('.').slice(0, 3).join('.')));
      expect(ips.size).toBe(1);
    }
  });

  it('account takeover: failed logins, success on the new device, password change and payout within 30 min', () => {
    const incidents = complete(byIncident(sample, 'account_takeover'), sample);
    expect(incidents.length).toBeGreaterThan(0);
    for (const evs of incidents) {
      const kinds = evs.map((e) => {
        const ev = e.request.event;
        return ev.type === 'LOGIN' ? (ev.login?.success === true ? 'OK' : 'FAIL') : ev.type;
      });
      const firstOk = kinds.indexOf('OK');
      expect(firstOk).toBeGreaterThanOrEqual(2);
      expect(kinds.slice(0, firstOk).every((k) => k === 'FAIL')).toBe(true);
      for (const e of evs.slice(0, firstOk))
        expect(e.request.event.login?.failureReason).toBe('bad_password');
      const pw = kinds.indexOf('PASSWORD_CHANGE');
      const add = kinds.indexOf('PAYOUT_METHOD_ADD');
      const payout = kinds.indexOf('PAYOUT');
      expect(pw).toBeGreaterThan(firstOk);
      expect(add).toBeGreaterThan(pw);
      expect(payout).toBeGreaterThan(add);
      const first = evs[0] as LabelledEvent;
      expect((evs[payout] as LabelledEvent).at - first.at).toBeLessThanOrEqual(30 * MIN);
      expect(new Set(evs.map((e) => e.request.event.account?.id)).size).toBe(1);
      expect((evs[firstOk] as LabelledEvent).request.event.device?.id).toBe(first.request.event.device?.id);
      // The victim is a real user whose own sessions never used the attacker's device.
      const acct = first.request.event.account?.id;
      const legitDevices = new Set<string | undefined>();
      for (const e of sample) {
        if (e.scenario === 'legit' && e.request.event.account?.id === acct)
          legitDevices.add(e.request.event.device?.id);
      }
      expect(legitDevices.has(first.request.event.device?.id)).toBe(false);
      expect((evs[payout] as LabelledEvent).request.event.payment?.payoutDestination).toBe(
        (evs[add] as LabelledEvent).request.event.payment?.payoutDestination,
      );
    }
  });

  it('multi-accounting: at least 4 new accounts per device (or IP), each with a small promo payment', () => {
    const incidents = complete(byIncident(sample, 'multi_accounting'), sample);
    expect(incidents.length).toBeGreaterThan(0);
    let byDevice = 0;
    for (const evs of incidents) {
      const signups = evs.filter((e) => e.request.event.type === 'SIGNUP');
      const accounts = new Set(signups.map((e) => e.request.event.account?.id));
      expect(accounts.size).toBeGreaterThanOrEqual(4);
      const devices = new Set(evs.map((e) => e.request.event.device?.id));
      const ips = new Set(evs.map((e) => e.request.event.network?.ip));
      expect(devices.size === 1 || ips.size === 1).toBe(true);
      if (devices.size === 1) byDevice++;
      for (const p of evs.filter((e) => e.request.event.type === 'PAYMENT')) {
        expect(p.request.event.attributes?.promo_code).toBeDefined();
        const acct = p.request.event.account?.id;
        const signup = signups.find((s) => s.request.event.account?.id === acct);
        expect(signup).toBeDefined();
        expect(p.at).toBeGreaterThan(signup?.at ?? Number.POSITIVE_INFINITY);
      }
    }
    expect(byDevice).toBeGreaterThan(0);
  });

  it('stolen card: a population card used from a new device, mostly cross-border, at high value', () => {
    const incidents = complete(byIncident(sample, 'stolen_card'), sample);
    expect(incidents.length).toBeGreaterThan(2);
    const legitOwners = new Map<string, Set<string | undefined>>();
    for (const x of sample) {
      const n = x.request.event.payment?.card?.number;
      if (x.scenario !== 'legit' || n === undefined) continue;
      const set = legitOwners.get(n) ?? new Set();
      set.add(x.request.event.account?.id);
      legitOwners.set(n, set);
    }
    let crossBorder = 0;
    let seenWithOwner = 0;
    let pays = 0;
    for (const evs of incidents) {
      for (const e of evs.filter((x) => x.request.event.type === 'PAYMENT')) {
        pays++;
        const ev = e.request.event;
        if (ev.payment?.card?.country !== ev.network?.ipCountry) crossBorder++;
        expect(['5732', '5947', '5945', '5816', '5818', '5944', '4511']).toContain(ev.payment?.mcc);
        const owners = legitOwners.get(ev.payment?.card?.number ?? '');
        if (owners !== undefined) seenWithOwner++;
        expect(owners?.has(ev.account?.id) ?? false).toBe(false);
      }
    }
    expect(crossBorder / pays).toBeGreaterThan(0.5);
    // The stolen numbers belong to real users: many also show up in their owners' legit payments.
    expect(seenWithOwner).toBeGreaterThan(0);
  });

  it('mule cash-out: new accounts on shared devices pay out large sums to shared destinations', () => {
    const incidents = complete(byIncident(sample, 'mule_cashout'), sample);
    expect(incidents.length).toBeGreaterThan(0);
    for (const evs of incidents) {
      const signups = evs.filter((e) => e.request.event.type === 'SIGNUP');
      expect(signups.length).toBeGreaterThanOrEqual(3);
      const muleIds = new Set(signups.map((e) => e.request.event.account?.id));
      const payouts = evs.filter((e) => e.request.event.type === 'PAYOUT');
      expect(payouts.length).toBeGreaterThanOrEqual(signups.length);
      const dests = new Set(payouts.map((e) => e.request.event.payment?.payoutDestination));
      expect(dests.size).toBeLessThan(muleIds.size);
      const muleDevices = new Set(
        evs.filter((e) => muleIds.has(e.request.event.account?.id)).map((e) => e.request.event.device?.id),
      );
      expect(muleDevices.size).toBeLessThanOrEqual(2);
      for (const p of payouts) {
        const created = Date.parse(p.request.event.account?.createdAt ?? '');
        expect(p.at - created).toBeLessThan(2 * 24 * 3_600_000);
        expect(p.request.event.payment?.amountMinor ?? 0).toBeGreaterThan(5000);
      }
    }
  });

  it('honours duration, start, fraud rate and scenario mix', () => {
    const start = '2027-03-01T12:00:00Z';
    const sim = createSimulator({ seed: 5, users: 500, start, durationMs: 6 * 3_600_000, fraudRate: 0.1 });
    const evs = [...sim.events()];
    expect(evs.length).toBeGreaterThan(100);
    const t0 = Date.parse(start);
    for (const e of evs) {
      expect(e.at).toBeGreaterThanOrEqual(t0);
      expect(e.at).toBeLessThan(t0 + 6 * 3_600_000);
    }
    const many = take(createSimulator({ seed: 5, users: 1000, fraudRate: 0.1 }).events(), 60_000);
    const share = many.filter((e) => e.label === 1).length / many.length;
    expect(share).toBeGreaterThan(0.05);
    expect(share).toBeLessThan(0.2);
    const none = take(createSimulator({ seed: 5, users: 300, fraudRate: 0 }).events(), 5000);
    expect(none.every((e) => e.label === 0)).toBe(true);
    const only = take(
      createSimulator({ seed: 5, users: 300, fraudRate: 0.2, mix: { card_testing: 1 } }).events(),
      10_000,
    );
    expect(new Set(only.map((e) => e.scenario))).toEqual(new Set(['legit', 'card_testing']));
  });

  it('rejects bad options', () => {
    expect(() => resolveOptions({ seed: -1 })).toThrow(RangeError);
    expect(() => resolveOptions({ users: 0 })).toThrow(RangeError);
    expect(() => resolveOptions({ fraudRate: 1 })).toThrow(RangeError);
    expect(() => resolveOptions({ start: 'yesterday' })).toThrow(RangeError);
    expect(() => resolveOptions({ mix: { bogus: 1 } as never })).toThrow(RangeError);
    expect(() => resolveOptions({ mix: { card_testing: 0 } })).toThrow(RangeError);
    expect(resolveOptions({}).start).toBe(Date.parse('2026-11-01T00:00:00Z'));
  });

  it('generates at least 50k events per second', () => {
    const sim = createSimulator({ seed: 1, users: 2000 });
    const t0 = performance.now();
    let n = 0;
    for (const _ of sim.events()) if (++n >= 100_000) break;
    const rate = n / ((performance.now() - t0) / 1000);
    // Typically 100k+/s; the bound is loose so a busy CI machine does not flake.
    expect(rate).toBeGreaterThan(25_000);
  });

  it('Rng is reproducible per stream', () => {
    const a = new Rng(1, 'x');
    const b = new Rng(1, 'x');
    const c = new Rng(1, 'y');
    const xs = Array.from({ length: 5 }, () => a.nextU32());
    expect(Array.from({ length: 5 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.nextU32())).not.toEqual(xs);
  });
});
