/** Legitimate user behaviour: sessions of logins and payments with realistic noise. */
import { COUNTRIES, type CountryProfile, PROMO_CODES } from './geo.js';
import type { Rng } from './rng.js';
import type { LabelledEvent, LoginMethodName, PaymentChannelName, PaymentJson } from './types.js';
import {
  accountJson,
  type CardState,
  cardJson,
  DAY,
  type DeviceState,
  deviceJson,
  type Endpoint,
  HOURLY_ACTIVITY,
  hostingEndpoint,
  issueCard,
  labelled,
  legitDevice,
  localHour,
  MCC_WEIGHTS,
  type Merchant,
  MINUTE,
  merchantCurrency,
  merchantsFor,
  networkJson,
  payoutDestination,
  personalEmail,
  phoneFor,
  pickMerchant,
  pickZone,
  priceMinor,
  residentialEndpoint,
  SECOND,
  type User,
  type Wake,
  type World,
} from './world.js';

const MEAN_ACTIVITY = HOURLY_ACTIVITY.reduce((a, b) => a + b, 0) / HOURLY_ACTIVITY.length;

/** Per-session probabilities of the rarer legit behaviours. */
const P = {
  travelStart: 0.004,
  newDevice: 0.005,
  failedLogin: 0.035,
  extraFailures: 0.12,
  incognito: 0.03,
  vpnSession: 0.5,
  passwordChange: 0.004,
  emailChange: 0.0012,
  phoneChange: 0.001,
  cardAdd: 0.004,
  sellerPayout: 0.18,
  payoutMethodAdd: 0.003,
  refund: 0.012,
  logout: 0.08,
  habitual: 0.84,
  sellerPurchase: 0.03,
  bigPurchase: 0.01,
  botFlag: 0.002,
};

/** Time of the user's next session after `t`: Poisson with a day/night profile in local time. */
export function nextSessionTime(rng: Rng, u: User, t: number): number {
  const meanGap = (DAY * MEAN_ACTIVITY) / u.sessionsPerDay;
  const offset = u.devices[0]?.offset ?? 0;
  let at = t;
  for (let i = 0; i < 1000; i++) {
    at += rng.exp(meanGap);
    if (rng.next() < (HOURLY_ACTIVITY[localHour(at, offset)] ?? 1)) break;
  }
  return Math.round(at);
}

function loginMethod(rng: Rng, d: DeviceState): LoginMethodName {
  if (d.app) {
    return rng.weighted<LoginMethodName>([
      ['SESSION_REFRESH', 42],
      ['PASSWORD', 38],
      ['PASSKEY', 10],
      ['SSO', 5],
      ['MAGIC_LINK', 5],
    ]);
  }
  return rng.weighted<LoginMethodName>([
    ['PASSWORD', 60],
    ['SESSION_REFRESH', 25],
    ['SSO', 8],
    ['MAGIC_LINK', 4],
    ['PASSKEY', 3],
  ]);
}

function cvvAvs(rng: Rng, channel: PaymentChannelName): Record<string, string> | undefined {
  if (channel === 'RECURRING') return undefined;
  const cvv = rng.weighted([
    ['M', 96],
    ['N', 1.5],
    ['U', 2.5],
  ] as const);
  const avs = rng.weighted([
    ['Y', 88],
    ['N', 4],
    ['U', 8],
  ] as const);
  return { cvv_result: cvv, avs_result: avs };
}

/**
 * Generates one user's events forever, session after session. Before each session it yields a Wake at
 * the session's start, so the session is built lazily (only one small placeholder per idle user).
 */
export function* userStream(u: User, rng: Rng, w: World): Generator<LabelledEvent | Wake> {
  let t = u.joiner ? u.createdAt : nextSessionTime(rng, u, w.start);
  if (u.joiner) {
    yield { at: t, wake: true };
    const evs = signupSession(u, rng, w, t);
    for (const e of evs) yield e;
    t = evs[evs.length - 1]?.at ?? t;
  }
  for (;;) {
    t = nextSessionTime(rng, u, t + MINUTE);
    yield { at: t, wake: true };
    const evs = session(u, rng, w, t);
    for (const e of evs) yield e;
    t = evs[evs.length - 1]?.at ?? t;
  }
}

interface SessionCtx {
  device: DeviceState;
  ep: Endpoint;
  zone: string;
  incognito: boolean;
  /** Automation false positive (password manager, accessibility tool) flagged as bot. */
  bot: boolean;
  /** Where the user is spending (travel country or home). */
  where: CountryProfile;
}

function sessionParts(u: User, rng: Rng, s: SessionCtx) {
  return {
    account: accountJson(u),
    network: networkJson(s.ep, s.device.userAgent),
    device: deviceJson(s.device, rng, { incognito: s.incognito, zone: s.zone, bot: s.bot }),
  };
}

/** The first session of a user who signs up during the run. */
export function signupSession(u: User, rng: Rng, w: World, t0: number): LabelledEvent[] {
  const device = u.devices[0];
  const ep = u.homes[0];
  if (device === undefined || ep === undefined) return [];
  const s: SessionCtx = { device, ep, zone: device.zone, incognito: false, bot: false, where: u.country };
  const out: LabelledEvent[] = [labelled(t0, 'SIGNUP', 'legit', undefined, sessionParts(u, rng, s))];
  let t = t0 + Math.round(rng.uniform(20, 240) * SECOND);
  const card = u.cards[0];
  if (card !== undefined) {
    out.push(
      labelled(t, 'CARD_ADD', 'legit', undefined, {
        ...sessionParts(u, rng, s),
        payment: { card: cardJson(card) },
      }),
    );
    if (rng.chance(0.7)) {
      t += Math.round(rng.logNormal(4 * MINUTE, 0.8));
      const promo = rng.chance(0.5) ? rng.pick(PROMO_CODES) : undefined;
      out.push(payment(u, rng, w, s, t, { promo }));
    }
  }
  return out;
}

/** One ordinary session: login (sometimes after a failed attempt), 0–3 payments and occasional extras. */
export function session(u: User, rng: Rng, w: World, t0: number): LabelledEvent[] {
  const out: LabelledEvent[] = [];
  let t = t0;
  const step = (median: number, sigma = 0.8, min = 2 * SECOND) => {
    t += Math.max(min, Math.round(rng.logNormal(median, sigma)));
    return t;
  };

  if (u.travel !== undefined && t > u.travel.until) u.travel = undefined;
  if (u.travel === undefined && rng.chance(P.travelStart)) {
    const others = COUNTRIES.filter((c) => c !== u.country);
    const country = rng.pick(others);
    u.travel = {
      country,
      until: t + Math.round(rng.uniform(2, 12) * DAY),
      hotel: residentialEndpoint(rng, country),
    };
  }

  let device = rng.chance(0.78) ? (u.devices[0] as DeviceState) : rng.pick(u.devices);
  let newDevice = false;
  if (rng.chance(P.newDevice)) {
    device = legitDevice(rng, u.country, device.kind);
    u.devices = [device, ...u.devices.slice(0, 2)];
    newDevice = true;
  }
  const mobile = device.kind === 'ios' || device.kind === 'android';
  let ep: Endpoint;
  let zone = device.zone;
  let where = u.country;
  if (u.travel !== undefined) {
    where = u.travel.country;
    if (mobile) zone = pickZone(rng, u.travel.country)[0];
    ep =
      mobile && rng.chance(0.35)
        ? residentialEndpoint(rng, u.country, true) // roaming keeps the home carrier's IP
        : rng.chance(0.7)
          ? u.travel.hotel
          : residentialEndpoint(rng, u.travel.country, mobile);
  } else if (u.vpn && rng.chance(P.vpnSession)) {
    ep = hostingEndpoint(rng, 0.6);
  } else if (mobile && rng.chance(0.45)) {
    ep = residentialEndpoint(rng, u.country, true);
  } else {
    ep = rng.pick(u.homes);
  }
  const incognito = !mobile && rng.chance(P.incognito);
  const s: SessionCtx = { device, ep, zone, incognito, bot: rng.chance(P.botFlag), where };

  // Login, sometimes after mistyped passwords.
  const method = newDevice ? 'PASSWORD' : loginMethod(rng, device);
  if (method === 'PASSWORD' && rng.chance(P.failedLogin)) {
    const fails = rng.chance(P.extraFailures) ? rng.int(2, 3) : 1;
    for (let i = 0; i < fails; i++) {
      out.push(
        labelled(t, 'LOGIN', 'legit', undefined, {
          ...sessionParts(u, rng, s),
          login: { success: false, method, failureReason: 'bad_password' },
        }),
      );
      step(15 * SECOND, 0.6, 4 * SECOND);
    }
  }
  out.push(
    labelled(t, 'LOGIN', 'legit', undefined, {
      ...sessionParts(u, rng, s),
      login: { success: true, method },
    }),
  );
  if ((u.twoFactor && method === 'PASSWORD') || (newDevice && rng.chance(0.6))) {
    step(25 * SECOND, 0.5, 8 * SECOND);
    const ok = rng.chance(0.97);
    out.push(
      labelled(t, 'TWO_FACTOR', 'legit', undefined, {
        ...sessionParts(u, rng, s),
        login: ok
          ? { success: true, method: 'OTP' }
          : { success: false, method: 'OTP', failureReason: 'bad_otp' },
      }),
    );
    if (!ok) {
      step(30 * SECOND, 0.5, 8 * SECOND);
      out.push(
        labelled(t, 'TWO_FACTOR', 'legit', undefined, {
          ...sessionParts(u, rng, s),
          login: { success: true, method: 'OTP' },
        }),
      );
    }
  }

  if (u.lastPayment !== undefined && rng.chance(P.refund)) {
    step(MINUTE);
    const lp = u.lastPayment;
    out.push(
      labelled(t, 'REFUND', 'legit', undefined, {
        ...sessionParts(u, rng, s),
        payment: {
          amountMinor: lp.amount,
          currency: lp.currency,
          card: cardJson(lp.card),
          merchantId: lp.merchant.id,
          mcc: lp.merchant.category.mcc,
          channel: 'ECOMMERCE',
        },
      }),
    );
    u.lastPayment = undefined;
  }

  if (u.cards.length < 3 && rng.chance(P.cardAdd)) {
    step(MINUTE);
    const card = issueCard(rng, rng.chance(0.9) ? u.country : rng.pick(COUNTRIES), t);
    u.cards = [...u.cards, card];
    out.push(
      labelled(t, 'CARD_ADD', 'legit', undefined, {
        ...sessionParts(u, rng, s),
        payment: { card: cardJson(card) },
      }),
    );
  }

  const nPay = rng.weighted([
    [0, 30],
    [1, 45],
    [2, 17],
    [3, 8],
  ] as const);
  for (let i = 0; i < nPay; i++) {
    step(i === 0 ? 90 * SECOND : 4 * MINUTE, 1, 5 * SECOND);
    out.push(payment(u, rng, w, s, t, {}));
  }

  if (u.seller !== undefined && rng.chance(P.payoutMethodAdd)) {
    step(MINUTE);
    out.push(
      labelled(t, 'PAYOUT_METHOD_ADD', 'legit', undefined, {
        ...sessionParts(u, rng, s),
        payment: { payoutDestination: payoutDestination(rng) },
      }),
    );
  }
  if (u.seller !== undefined && rng.chance(P.sellerPayout)) {
    step(MINUTE);
    out.push(
      labelled(t, 'PAYOUT', 'legit', undefined, {
        ...sessionParts(u, rng, s),
        payment: {
          amountMinor: priceMinor(rng, rng.logNormal(25000, 0.9), u.country),
          currency: u.country.currency,
          payoutDestination: u.seller.destination,
        },
      }),
    );
  }
  if (rng.chance(P.passwordChange)) {
    step(MINUTE);
    out.push(labelled(t, 'PASSWORD_CHANGE', 'legit', undefined, sessionParts(u, rng, s)));
  }
  if (rng.chance(P.emailChange)) {
    step(MINUTE);
    u.email = personalEmail(rng, u.country);
    out.push(labelled(t, 'EMAIL_CHANGE', 'legit', undefined, sessionParts(u, rng, s)));
  }
  if (rng.chance(P.phoneChange)) {
    step(MINUTE);
    u.phone = phoneFor(rng, u.country);
    out.push(labelled(t, 'PHONE_CHANGE', 'legit', undefined, sessionParts(u, rng, s)));
  }
  if (rng.chance(P.logout)) {
    step(3 * MINUTE);
    out.push(labelled(t, 'LOGOUT', 'legit', undefined, sessionParts(u, rng, s)));
  }
  return out;
}

function pickPaymentMerchant(u: User, rng: Rng, w: World, where: CountryProfile): Merchant {
  if (where === u.country && u.habits.length > 0 && rng.chance(P.habitual)) return rng.pick(u.habits);
  if (where === u.country && w.sellers.length > 0 && rng.chance(P.sellerPurchase / (1 - P.habitual))) {
    const s = rng.pick(w.sellers);
    if (s.seller !== undefined && s !== u) {
      return {
        id: s.seller.merchantId,
        category: { mcc: '5262', weight: 0, factor: 1.2 },
        country: s.country,
        popularity: 1,
      };
    }
  }
  const cat = rng.weighted(MCC_WEIGHTS);
  const ms = merchantsFor(w, where, cat.mcc);
  if (ms.length === 0) return rng.pick(u.habits.length > 0 ? u.habits : w.merchants);
  return pickMerchant(rng, ms);
}

function payment(
  u: User,
  rng: Rng,
  w: World,
  s: SessionCtx,
  t: number,
  opts: { promo?: string | undefined },
): LabelledEvent {
  const m = pickPaymentMerchant(u, rng, w, s.where);
  const cur = merchantCurrency(m, s.where);
  const card: CardState = rng.chance(0.82) ? (u.cards[0] as CardState) : rng.pick(u.cards);
  let eur = u.amountMedian * m.category.factor * Math.exp(u.amountSigma * rng.normal());
  if (rng.chance(P.bigPurchase)) eur *= rng.uniform(5, 20);
  const amount = priceMinor(rng, eur, cur);
  const channel: PaymentChannelName = m.category.recurring
    ? 'RECURRING'
    : s.device.app
      ? rng.chance(0.85)
        ? 'IN_APP'
        : 'ECOMMERCE'
      : rng.chance(0.01)
        ? 'MOTO'
        : 'ECOMMERCE';
  const p: PaymentJson = {
    amountMinor: amount,
    currency: cur.currency,
    card: cardJson(card),
    merchantId: m.id,
    mcc: m.category.mcc,
    channel,
  };
  let attributes = cvvAvs(rng, channel);
  if (opts.promo !== undefined) attributes = { ...attributes, promo_code: opts.promo };
  u.lastPayment = { amount, currency: cur.currency, merchant: m, card };
  return labelled(t, 'PAYMENT', 'legit', undefined, {
    ...sessionParts(u, rng, s),
    payment: p,
    ...(attributes !== undefined ? { attributes } : {}),
  });
}
