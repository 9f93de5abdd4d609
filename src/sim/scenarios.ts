/** Labelled fraud scenarios: each function builds one incident's events, sorted by time. */
import { sequentialPan } from './card.js';
import {
  BOT_USER_AGENTS,
  type CardBrand,
  COUNTRIES,
  COUNTRY_WEIGHTS,
  type CountryProfile,
  type DeviceKind,
  DISPOSABLE_DOMAINS,
  PRIVACY_DOMAINS,
  PROMO_CODES,
  USER_AGENTS,
} from './geo.js';
import type { Rng } from './rng.js';
import type { FraudScenario, LabelledEvent, PaymentJson } from './types.js';
import {
  accountId,
  accountJson,
  type CardState,
  cardJson,
  DAY,
  type DeviceState,
  deviceId,
  deviceJson,
  type Endpoint,
  hostingEndpoint,
  isoTime,
  issueCard,
  labelled,
  type Merchant,
  MINUTE,
  merchantCurrency,
  merchantId,
  merchantsFor,
  networkJson,
  osFromUserAgent,
  payoutDestination,
  personalEmail,
  phoneFor,
  pickMerchant,
  pickZone,
  priceMinor,
  residentialEndpoint,
  SECOND,
  sameSlash24,
  type User,
  type World,
} from './world.js';

/** Builds one incident starting at `t0`; events are returned sorted by time, all at or after `t0`. */
export type IncidentBuilder = (w: World, rng: Rng, t0: number, incident: string) => LabelledEvent[];

/** An account as sent in events: enough to build AccountJson. */
interface Acct {
  id: string;
  email: string;
  phone: string;
  createdIso: string;
}

function newAcct(rng: Rng, created: number, email: string, phone: string): Acct {
  return { id: accountId(rng), email, phone, createdIso: isoTime(created) };
}

/** An email a fraudster registers: plausible personal, privacy-provider or disposable. */
function fraudEmail(rng: Rng, country: CountryProfile): string {
  const r = rng.next();
  if (r < 0.5) return personalEmail(rng, country);
  const local = rng.chance(0.5)
    ? `${rng.pick(country.firstNames)}${rng.digits(rng.int(2, 5))}`
    : rng.hex(rng.int(7, 11));
  return `${local}@${r < 0.75 ? rng.pick(PRIVACY_DOMAINS) : rng.pick(DISPOSABLE_DOMAINS)}`;
}

/** A fraudster's home country (uniform, not population-weighted), optionally different from `not`. */
function originCountry(rng: Rng, not?: string): CountryProfile {
  const cs = not === undefined ? COUNTRIES : COUNTRIES.filter((c) => c.code !== not);
  return rng.pick(cs);
}

/** A fraudster's device: sometimes emulated or automated, fingerprint often spoofed. */
function fraudDevice(
  rng: Rng,
  origin: CountryProfile,
  o: { emulator?: number; bot?: number; kind?: DeviceKind } = {},
): DeviceState {
  const kind: DeviceKind =
    o.kind ??
    rng.weighted<DeviceKind>([
      ['android', 40],
      ['windows', 33],
      ['ios', 10],
      ['mac', 5],
      ['linux', 12],
    ]);
  const emulator = kind === 'android' && rng.chance(o.emulator ?? 0.25);
  const bot = rng.chance(o.bot ?? 0.05);
  const [zone, offset] = pickZone(rng, origin);
  const spoofed = emulator || bot || rng.chance(0.45);
  const userAgent = bot && rng.chance(0.6) ? rng.pick(BOT_USER_AGENTS) : rng.pick(USER_AGENTS[kind]);
  return {
    id: deviceId(rng),
    kind,
    os: osFromUserAgent(rng, kind, userAgent),
    userAgent,
    app: false,
    zone,
    offset,
    language: rng.chance(0.35) ? 'en-US' : rng.weighted(origin.languages),
    confidence: spoofed ? rng.uniform(0.15, 0.7) : rng.uniform(0.85, 0.99),
    emulator,
    rooted: kind === 'android' && rng.chance(0.3),
    bot,
  };
}

/** Where a fraudster connects from: hosting/VPN, a residential proxy in the target country, or home. */
function fraudEndpoint(rng: Rng, target: CountryProfile | undefined, origin: CountryProfile): Endpoint {
  const r = rng.next();
  if (r < 0.45) return hostingEndpoint(rng);
  if (r < 0.8 && target !== undefined) {
    const ep = residentialEndpoint(rng, target, rng.chance(0.3));
    return rng.chance(0.3) ? { ...ep, isProxy: true } : ep;
  }
  return residentialEndpoint(rng, origin, rng.chance(0.3));
}

/** A random existing user (account older than `minAgeDays`) to victimise. */
function pickVictim(rng: Rng, w: World, t0: number, minAgeDays = 20): User {
  let u = rng.pick(w.users);
  for (let i = 0; i < 30 && u.createdAt > t0 - minAgeDays * DAY; i++) u = rng.pick(w.users);
  return u;
}

function parts(a: Acct, ep: Endpoint, d: DeviceState, rng: Rng) {
  return {
    account: accountJson(a),
    network: networkJson(ep, d.userAgent),
    device: deviceJson(d, rng),
  };
}

function sortByTime(evs: LabelledEvent[]): LabelledEvent[] {
  return evs.sort((a, b) => a.at - b.at);
}

function merchantWithMcc(rng: Rng, w: World, country: CountryProfile, mccs: readonly string[]): Merchant {
  for (let i = 0; i < 10; i++) {
    const ms = merchantsFor(w, country, rng.pick(mccs));
    if (ms.length > 0) return pickMerchant(rng, ms);
  }
  return rng.pick(w.merchants);
}

/**
 * Card testing: one actor runs bursts of small charges at one merchant over many cards sharing a BIN
 * (sequential or random account numbers), from one device or rotating fingerprints, one IP or a /24.
 */
export const cardTesting: IncidentBuilder = (w, rng, t0, incident) => {
  const out: LabelledEvent[] = [];
  const sc: FraudScenario = 'card_testing';
  const binCountry = rng.weighted(COUNTRY_WEIGHTS);
  const brand: CardBrand = rng.chance(0.6) ? 'visa' : 'mastercard';
  const bin = rng.pick(binCountry.bins[brand] ?? binCountry.bins.visa ?? ['411111']);
  const sequential = rng.chance(0.4);
  let seq = rng.int(0, 999_999_999);
  const origin = originCountry(rng);
  const merchant = merchantWithMcc(rng, w, rng.weighted(COUNTRY_WEIGHTS), [
    '8398',
    '5818',
    '5815',
    '5999',
    '5816',
    '4899',
  ]);
  const cur = merchantCurrency(merchant, binCountry);
  const fixedAmount = rng.chance(0.6) ? rng.pick([50, 100, 100, 100, 150, 200, 250, 299]) : undefined;
  const rotateDevice = rng.chance(0.3);
  const rotateIp = rng.chance(0.5);
  const botP = rng.chance(0.6) ? 0.95 : 0.1;
  let device = fraudDevice(rng, origin, { bot: botP, emulator: 0.5 });
  let ep = rng.chance(0.65) ? hostingEndpoint(rng, 0.6) : residentialEndpoint(rng, origin);
  const acct = newAcct(rng, t0 - Math.round(rng.uniform(0, 10) * DAY), fraudEmail(rng, origin), '');
  let t = t0;
  if (rng.chance(0.5)) {
    acct.createdIso = isoTime(t0);
    out.push(labelled(t, 'SIGNUP', sc, incident, parts(acct, ep, device, rng)));
  } else {
    out.push(
      labelled(t, 'LOGIN', sc, incident, {
        ...parts(acct, ep, device, rng),
        login: { success: true, method: 'PASSWORD' },
      }),
    );
  }
  const total = Math.min(300, Math.max(20, Math.round(rng.logNormal(55, 0.6))));
  const bursts = Math.max(1, Math.min(rng.int(1, 3), Math.floor(total / 12)));
  const perBurst = Math.ceil(total / bursts);
  const gapMedian = rng.uniform(1.5, 8) * SECOND;
  const cards: CardState[] = [];
  let n = 0;
  for (let b = 0; b < bursts; b++) {
    t += b === 0 ? Math.round(rng.uniform(10, 90) * SECOND) : Math.round(rng.uniform(5, 40) * MINUTE);
    for (let i = 0; i < perBurst && n < total; i++, n++) {
      t += Math.max(300, Math.round(rng.logNormal(gapMedian, 0.6)));
      if (rotateDevice && rng.chance(0.3))
        device = { ...device, id: deviceId(rng), confidence: rng.uniform(0.1, 0.45) };
      if (rotateIp && rng.chance(0.4)) ep = sameSlash24(rng, ep);
      let card: CardState;
      const prev = cards[cards.length - 1];
      if (prev !== undefined && rng.chance(0.1)) {
        card = prev; // retry the same number with another CVV / expiry
      } else {
        seq += sequential ? rng.int(1, 3) : rng.int(1, 99_999_999);
        card = {
          number: sequentialPan(bin, seq),
          brand,
          country: binCountry.code,
          expMonth: rng.int(1, 12),
          expYear: w.year + rng.int(0, 5),
        };
        cards.push(card);
      }
      const amount = fixedAmount ?? rng.int(50, 300);
      out.push(
        labelled(t, 'PAYMENT', sc, incident, {
          ...parts(acct, ep, device, rng),
          payment: {
            amountMinor: amount,
            currency: cur.currency,
            card: cardJson(card),
            merchantId: merchant.id,
            mcc: merchant.category.mcc,
            channel: 'ECOMMERCE',
          },
          attributes: {
            cvv_result: rng.weighted([
              ['N', 60],
              ['M', 25],
              ['U', 15],
            ] as const),
            avs_result: rng.weighted([
              ['N', 45],
              ['U', 40],
              ['Y', 15],
            ] as const),
          },
        }),
      );
    }
  }
  return out;
};

/**
 * Stolen card: a real user's card is used by a fraudster's own (often brand-new) account from a new device,
 * mostly from another country, for high-value electronics, gift cards or digital goods.
 */
export const stolenCard: IncidentBuilder = (w, rng, t0, incident) => {
  const out: LabelledEvent[] = [];
  const sc: FraudScenario = 'stolen_card';
  const victim = pickVictim(rng, w, t0, 0);
  const cardCountry = COUNTRIES.find((c) => c.code === victim.cards[0]?.country) ?? victim.country;
  const origin = rng.chance(0.85) ? originCountry(rng, cardCountry.code) : cardCountry;
  const device = fraudDevice(rng, origin);
  const ep = fraudEndpoint(rng, rng.chance(0.3) ? cardCountry : undefined, origin);
  const fresh = rng.chance(0.55);
  const acct = newAcct(
    rng,
    fresh ? t0 : t0 - Math.round(rng.uniform(1, 60) * DAY),
    fraudEmail(rng, origin),
    rng.chance(0.5) ? phoneFor(rng, origin) : '',
  );
  let t = t0;
  out.push(
    fresh
      ? labelled(t, 'SIGNUP', sc, incident, parts(acct, ep, device, rng))
      : labelled(t, 'LOGIN', sc, incident, {
          ...parts(acct, ep, device, rng),
          login: { success: true, method: 'PASSWORD' },
        }),
  );
  const stolen: CardState[] = [rng.pick(victim.cards)];
  if (rng.chance(0.25)) {
    const v2 = pickVictim(rng, w, t0, 0);
    stolen.push(rng.pick(v2.cards));
  }
  const lowValue = rng.chance(0.15);
  for (const card of stolen) {
    if (rng.chance(0.6)) {
      t += Math.round(rng.uniform(30, 240) * SECOND);
      out.push(
        labelled(t, 'CARD_ADD', sc, incident, {
          ...parts(acct, ep, device, rng),
          payment: { card: cardJson(card) },
        }),
      );
    }
    const nPay = rng.int(1, 3);
    for (let i = 0; i < nPay; i++) {
      t += Math.round(rng.uniform(1, 15) * MINUTE);
      const m = merchantWithMcc(rng, w, rng.chance(0.6) ? cardCountry : origin, [
        '5732',
        '5732',
        '5947',
        '5945',
        '5816',
        '5818',
        '5944',
        '4511',
      ]);
      const cur = merchantCurrency(m, cardCountry);
      const eur = lowValue ? rng.logNormal(6000, 0.6) : rng.logNormal(45000, 0.7);
      const payment: PaymentJson = {
        amountMinor: priceMinor(rng, eur, cur),
        currency: cur.currency,
        card: cardJson(card),
        merchantId: m.id,
        mcc: m.category.mcc,
        channel: 'ECOMMERCE',
      };
      out.push(
        labelled(t, 'PAYMENT', sc, incident, {
          ...parts(acct, ep, device, rng),
          payment,
          attributes: {
            cvv_result: rng.weighted([
              ['M', 80],
              ['N', 12],
              ['U', 8],
            ] as const),
            avs_result: rng.weighted([
              ['N', 45],
              ['U', 25],
              ['Y', 30],
            ] as const),
          },
        }),
      );
    }
  }
  return sortByTime(out);
};

/**
 * Account takeover: a burst of failed password logins on a victim's account from a new device and IP,
 * a success on that device, PASSWORD_CHANGE, optional EMAIL_CHANGE, PAYOUT_METHOD_ADD and a PAYOUT
 * within about half an hour.
 */
export const accountTakeover: IncidentBuilder = (w, rng, t0, incident) => {
  const out: LabelledEvent[] = [];
  const sc: FraudScenario = 'account_takeover';
  const victim = pickVictim(rng, w, t0);
  const acct: Acct = {
    id: victim.id,
    email: victim.email,
    phone: victim.phone,
    createdIso: victim.createdIso,
  };
  const origin = rng.chance(0.8) ? originCountry(rng, victim.country.code) : victim.country;
  const device = fraudDevice(rng, origin, { bot: 0.25, emulator: 0.3 });
  let ep = fraudEndpoint(rng, victim.country, origin);
  const rotate = rng.chance(0.4);
  let t = t0;
  const fails = rng.chance(0.25) ? rng.int(12, 25) : rng.int(3, 11);
  for (let i = 0; i < fails; i++) {
    if (i > 0) t += Math.round(rng.uniform(1, 12) * SECOND);
    if (rotate && rng.chance(0.5)) ep = sameSlash24(rng, ep);
    out.push(
      labelled(t, 'LOGIN', sc, incident, {
        ...parts(acct, ep, device, rng),
        login: { success: false, method: 'PASSWORD', failureReason: 'bad_password' },
      }),
    );
  }
  t += Math.round(rng.uniform(3, 90) * SECOND);
  out.push(
    labelled(t, 'LOGIN', sc, incident, {
      ...parts(acct, ep, device, rng),
      login: { success: true, method: 'PASSWORD' },
    }),
  );
  t += Math.round(rng.uniform(30, 240) * SECOND);
  out.push(labelled(t, 'PASSWORD_CHANGE', sc, incident, parts(acct, ep, device, rng)));
  if (rng.chance(0.6)) {
    t += Math.round(rng.uniform(20, 180) * SECOND);
    acct.email = fraudEmail(rng, origin);
    out.push(labelled(t, 'EMAIL_CHANGE', sc, incident, parts(acct, ep, device, rng)));
  }
  if (rng.chance(0.2)) {
    t += Math.round(rng.uniform(20, 120) * SECOND);
    acct.phone = phoneFor(rng, origin);
    out.push(labelled(t, 'PHONE_CHANGE', sc, incident, parts(acct, ep, device, rng)));
  }
  const dest = payoutDestination(rng);
  t += Math.round(rng.uniform(30, 300) * SECOND);
  out.push(
    labelled(t, 'PAYOUT_METHOD_ADD', sc, incident, {
      ...parts(acct, ep, device, rng),
      payment: { payoutDestination: dest },
    }),
  );
  t += Math.round(rng.uniform(30, 480) * SECOND);
  out.push(
    labelled(t, 'PAYOUT', sc, incident, {
      ...parts(acct, ep, device, rng),
      payment: {
        amountMinor: priceMinor(rng, rng.logNormal(80000, 0.7), victim.country),
        currency: victim.country.currency,
        payoutDestination: dest,
      },
    }),
  );
  if (rng.chance(0.3)) {
    const card = rng.pick(victim.cards);
    const m = merchantWithMcc(rng, w, victim.country, ['5732', '5947', '5816']);
    const cur = merchantCurrency(m, victim.country);
    t += Math.round(rng.uniform(1, 10) * MINUTE);
    out.push(
      labelled(t, 'PAYMENT', sc, incident, {
        ...parts(acct, ep, device, rng),
        payment: {
          amountMinor: priceMinor(rng, rng.logNormal(40000, 0.6), cur),
          currency: cur.currency,
          card: cardJson(card),
          merchantId: m.id,
          mcc: m.category.mcc,
          channel: 'ECOMMERCE',
        },
        attributes: { cvv_result: 'M', avs_result: 'Y' },
      }),
    );
  }
  return out;
};

/** Multi-accounting: many SIGNUPs from one device (or one IP), each followed by a small promo payment. */
export const multiAccounting: IncidentBuilder = (w, rng, t0, incident) => {
  const out: LabelledEvent[] = [];
  const sc: FraudScenario = 'multi_accounting';
  const country = rng.weighted(COUNTRY_WEIGHTS);
  const byDevice = rng.chance(0.7);
  const sharedDevice = fraudDevice(rng, country, {
    bot: 0.05,
    emulator: 0.35,
    kind: rng.chance(0.6) ? 'android' : undefined,
  });
  const baseEp = rng.chance(0.3)
    ? hostingEndpoint(rng, 0.5)
    : residentialEndpoint(rng, country, rng.chance(0.4));
  const sameIp = !byDevice || rng.chance(0.5);
  const merchant = merchantWithMcc(rng, w, country, ['5814', '5812', '4121', '5411', '5999']);
  const cur = merchantCurrency(merchant, country);
  const promo = rng.pick(PROMO_CODES);
  const reuseCard = rng.chance(0.4) ? issueCard(rng, country, t0) : undefined;
  const first = rng.pick(country.firstNames);
  const last = rng.pick(country.lastNames);
  const domain = rng.chance(0.35) ? rng.pick(DISPOSABLE_DOMAINS) : rng.pick(country.emailDomains);
  const k = Math.min(20, Math.max(4, Math.round(rng.logNormal(7, 0.4))));
  let t = t0;
  for (let i = 0; i < k; i++) {
    if (i > 0) t += Math.round(rng.uniform(3, 25) * MINUTE);
    const style = rng.int(0, 2);
    const email =
      style === 0
        ? `${first}.${last}+${i + 1}@${domain}`
        : style === 1
          ? `${first}${last}${rng.int(1, 999)}@${domain}`
          : `${first}.${last}${rng.digits(2)}@${domain}`;
    const acct = newAcct(rng, t, email, rng.chance(0.5) ? phoneFor(rng, country) : '');
    const device = byDevice
      ? sharedDevice
      : { ...sharedDevice, id: deviceId(rng), confidence: rng.uniform(0.2, 0.7) };
    const ep = sameIp ? baseEp : residentialEndpoint(rng, country, true);
    const p = () => ({
      account: accountJson(acct),
      network: networkJson(ep, device.userAgent),
      device: deviceJson(device, rng, { incognito: !byDevice && rng.chance(0.6) }),
    });
    let tt = t;
    out.push(labelled(tt, 'SIGNUP', sc, incident, p()));
    const card = reuseCard ?? issueCard(rng, country, t0);
    if (rng.chance(0.7)) {
      tt += Math.round(rng.uniform(20, 120) * SECOND);
      out.push(labelled(tt, 'CARD_ADD', sc, incident, { ...p(), payment: { card: cardJson(card) } }));
    }
    tt += Math.round(rng.uniform(1, 12) * MINUTE);
    out.push(
      labelled(tt, 'PAYMENT', sc, incident, {
        ...p(),
        payment: {
          amountMinor: priceMinor(rng, rng.uniform(500, 2500), cur),
          currency: cur.currency,
          card: cardJson(card),
          merchantId: merchant.id,
          mcc: merchant.category.mcc,
          channel: device.kind === 'android' || device.kind === 'ios' ? 'IN_APP' : 'ECOMMERCE',
        },
        attributes: { promo_code: promo, cvv_result: 'M', avs_result: rng.chance(0.7) ? 'Y' : 'U' },
      }),
    );
  }
  return sortByTime(out);
};

/**
 * Mule cash-out: a ring of new accounts on shared devices registers the same payout destination(s),
 * receives payments (stolen cards or scammed buyers) and quickly pays out large amounts.
 */
export const muleCashout: IncidentBuilder = (w, rng, t0, incident) => {
  const out: LabelledEvent[] = [];
  const sc: FraudScenario = 'mule_cashout';
  const country = rng.weighted(COUNTRY_WEIGHTS);
  const origin = rng.chance(0.6) ? country : originCountry(rng);
  const devices = [fraudDevice(rng, origin, { emulator: 0.3 })];
  if (rng.chance(0.4)) devices.push(fraudDevice(rng, origin, { emulator: 0.3 }));
  const eps = [fraudEndpoint(rng, country, origin)];
  if (rng.chance(0.5)) eps.push(residentialEndpoint(rng, country, true));
  const dests = [payoutDestination(rng)];
  if (rng.chance(0.35)) dests.push(payoutDestination(rng));
  const k = rng.int(3, 8);
  let ts = t0;
  for (let i = 0; i < k; i++) {
    if (i > 0) ts += Math.round(rng.uniform(2, 40) * MINUTE);
    const device = rng.pick(devices);
    const ep = rng.pick(eps);
    const acct = newAcct(rng, ts, fraudEmail(rng, country), rng.chance(0.7) ? phoneFor(rng, country) : '');
    const sellerId = merchantId(rng);
    const dest = rng.pick(dests);
    let t = ts;
    out.push(labelled(t, 'SIGNUP', sc, incident, parts(acct, ep, device, rng)));
    t += Math.round(rng.uniform(1, 10) * MINUTE);
    out.push(
      labelled(t, 'PAYOUT_METHOD_ADD', sc, incident, {
        ...parts(acct, ep, device, rng),
        payment: { payoutDestination: dest },
      }),
    );
    // Incoming funds: purchases "from" this seller account.
    const nIn = rng.int(1, 4);
    let received = 0;
    let tf = t;
    for (let j = 0; j < nIn; j++) {
      tf += Math.round(rng.uniform(5, 90) * MINUTE);
      const amount = priceMinor(rng, rng.logNormal(60000, 0.6), country);
      received += amount;
      let payer: Acct;
      let pep: Endpoint;
      let pdev: DeviceState;
      let card: CardState;
      if (rng.chance(0.4)) {
        // A scammed buyer paying from their own account, device and home network.
        const v = pickVictim(rng, w, tf);
        payer = v;
        pep = rng.pick(v.homes);
        pdev = v.devices[0] ?? fraudDevice(rng, v.country);
        card = rng.pick(v.cards);
      } else {
        // A fraudster-controlled buyer paying with a stolen card.
        const v = pickVictim(rng, w, tf, 0);
        payer = newAcct(rng, tf - Math.round(rng.uniform(0.2, 30) * DAY), fraudEmail(rng, origin), '');
        pdev = fraudDevice(rng, origin);
        pep = fraudEndpoint(rng, country, origin);
        card = rng.pick(v.cards);
      }
      out.push(
        labelled(tf, 'PAYMENT', sc, incident, {
          ...parts(payer, pep, pdev, rng),
          payment: {
            amountMinor: amount,
            currency: country.currency,
            card: cardJson(card),
            merchantId: sellerId,
            mcc: '5262',
            channel: 'ECOMMERCE',
          },
          attributes: { cvv_result: 'M', avs_result: rng.chance(0.6) ? 'Y' : 'N' },
        }),
      );
    }
    let tp = tf + Math.round(rng.uniform(5, 90) * MINUTE);
    if (rng.chance(0.5)) {
      out.push(
        labelled(tp, 'LOGIN', sc, incident, {
          ...parts(acct, ep, device, rng),
          login: { success: true, method: 'PASSWORD' },
        }),
      );
      tp += Math.round(rng.uniform(20, 180) * SECOND);
    }
    const total = Math.round(received * rng.uniform(0.9, 1));
    const split = rng.chance(0.25) ? 2 : 1;
    for (let s = 0; s < split; s++) {
      if (s > 0) tp += Math.round(rng.uniform(2, 30) * MINUTE);
      out.push(
        labelled(tp, 'PAYOUT', sc, incident, {
          ...parts(acct, ep, device, rng),
          payment: {
            amountMinor: Math.round(total / split),
            currency: country.currency,
            payoutDestination: dest,
          },
        }),
      );
    }
  }
  return sortByTime(out);
};

/** Incident builders by scenario. */
export const SCENARIO_BUILDERS: Readonly<Record<FraudScenario, IncidentBuilder>> = {
  card_testing: cardTesting,
  stolen_card: stolenCard,
  account_takeover: accountTakeover,
  multi_accounting: multiAccounting,
  mule_cashout: muleCashout,
};
