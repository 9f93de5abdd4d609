/** The simulated world: merchants, users, cards, devices, network endpoints and event builders. */
import { panLength, randomPan } from './card.js';
import {
  APP_USER_AGENTS,
  type CardBrand,
  COUNTRIES,
  COUNTRY_WEIGHTS,
  type CountryProfile,
  type DeviceKind,
  HOSTING,
  type Isp,
  MCCS,
  type MccProfile,
  OS_VERSIONS,
  USER_AGENTS,
} from './geo.js';
import type { Rng } from './rng.js';
import type {
  AccountJson,
  CardJson,
  DeviceJson,
  EventJson,
  EventTypeName,
  LabelledEvent,
  NetworkJson,
  Scenario,
} from './types.js';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Formats epoch ms as RFC 3339 UTC, dropping a zero fraction like protobuf's JSON encoder. */
export function isoTime(ms: number): string {
  const s = new Date(ms).toISOString();
  return s.endsWith('.000Z') ? `${s.slice(0, -5)}Z` : s;
}

/** A payment card held by someone in the world. */
export interface CardState {
  readonly number: string;
  readonly brand: CardBrand;
  readonly country: string;
  readonly expMonth: number;
  readonly expYear: number;
}

/** Issues a card from one of the country's BINs, expiring 1–60 months after `now`. */
export function issueCard(rng: Rng, country: CountryProfile, now: number, brand?: CardBrand): CardState {
  const brands = Object.keys(country.bins) as CardBrand[];
  const b: CardBrand =
    brand ?? rng.weighted(brands.map((x) => [x, x === 'amex' ? 1 : x === 'visa' ? 6 : 4] as const));
  const bins = country.bins[b] ?? country.bins.visa ?? [];
  const bin = rng.pick(bins);
  const d = new Date(now);
  const exp = d.getUTCFullYear() * 12 + d.getUTCMonth() + rng.int(1, 60);
  return {
    number: randomPan(rng, bin, panLength(b)),
    brand: b,
    country: country.code,
    expMonth: (exp % 12) + 1,
    expYear: Math.floor(exp / 12),
  };
}

/** JSON for a card (the edge derives BIN and last4 from the number). */
export function cardJson(c: CardState): CardJson {
  return { number: c.number, country: c.country, brand: c.brand, expMonth: c.expMonth, expYear: c.expYear };
}

/** A device with a stable fingerprint. */
export interface DeviceState {
  readonly id: string;
  readonly kind: DeviceKind;
  readonly os: string;
  readonly userAgent: string;
  /** Uses the mobile app (IN_APP payments, app user agent). */
  readonly app: boolean;
  zone: string;
  offset: number;
  readonly language: string;
  /** Typical fingerprint confidence; each event jitters around it. */
  readonly confidence: number;
  readonly emulator: boolean;
  readonly rooted: boolean;
  readonly bot: boolean;
}

/** Picks a zone of the country (weighted). */
export function pickZone(rng: Rng, country: CountryProfile): readonly [string, number] {
  const z = rng.weighted(country.zones.map((x) => [x, x[2]] as const));
  return [z[0], z[1]];
}

/** A new device id (same format for every actor). */
export function deviceId(rng: Rng): string {
  return `dev-${rng.hex(12)}`;
}

/** A typical consumer device of a resident of `country`. */
export function legitDevice(rng: Rng, country: CountryProfile, kind?: DeviceKind): DeviceState {
  const k: DeviceKind =
    kind ??
    rng.weighted<DeviceKind>([
      ['ios', 34],
      ['android', 36],
      ['windows', 20],
      ['mac', 9],
      ['linux', 1],
    ]);
  const mobile = k === 'ios' || k === 'android';
  const app = mobile && rng.chance(0.55);
  const [zone, offset] = pickZone(rng, country);
  const appUas = APP_USER_AGENTS[k];
  const userAgent = app && appUas !== undefined ? rng.pick(appUas) : rng.pick(USER_AGENTS[k]);
  return {
    id: deviceId(rng),
    kind: k,
    os: osFromUserAgent(rng, k, userAgent),
    userAgent,
    app,
    zone,
    offset,
    language: rng.weighted(country.languages),
    confidence: rng.chance(0.06) ? rng.uniform(0.55, 0.85) : rng.uniform(0.9, 0.995),
    emulator: k === 'android' && rng.chance(0.002),
    rooted: k === 'android' && rng.chance(0.015),
    bot: false,
  };
}

/** The OS string matching a user agent (version parsed when the agent carries one). */
export function osFromUserAgent(rng: Rng, kind: DeviceKind, ua: string): string {
  const ios = /OS (\d+)_(\d+)/.exec(ua) ?? /iOS (\d+)\.(\d+)/.exec(ua);
  if (kind === 'ios' && ios !== null) return `iOS ${ios[1]}.${ios[2]}`;
  const android = /Android (\d+)/.exec(ua);
  if (kind === 'android' && android !== null) return `Android ${android[1]}`;
  return rng.pick(OS_VERSIONS[kind]);
}

/** Device JSON for one event: confidence jittered, flags only when set. */
export function deviceJson(
  d: DeviceState,
  rng: Rng,
  opts?: { incognito?: boolean; zone?: string; bot?: boolean },
): DeviceJson {
  let conf = d.confidence + (rng.next() - 0.5) * 0.04;
  if (opts?.incognito) conf -= rng.uniform(0.15, 0.35);
  const out: DeviceJson = {
    id: d.id,
    confidence: Math.round(Math.min(1, Math.max(0, conf)) * 100) / 100,
  };
  if (d.emulator) out.emulator = true;
  if (d.rooted) out.rooted = true;
  if (d.bot || opts?.bot) out.bot = true;
  if (opts?.incognito) out.incognito = true;
  out.timezone = opts?.zone ?? d.zone;
  out.language = d.language;
  out.os = d.os;
  return out;
}

/** Where traffic comes from: an IP with its ASN, geolocated country and proxy flag. */
export interface Endpoint {
  readonly ip: string;
  readonly asn: string;
  readonly country: string;
  readonly isProxy: boolean;
}

/** A random address in one of the ISP's blocks. */
export function ipIn(rng: Rng, isp: Isp): string {
  const [a, lo, hi] = rng.pick(isp.blocks);
  return `${a}.${rng.int(lo, hi)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

/** A home broadband (or, with `mobile`, carrier) address in the country. */
export function residentialEndpoint(rng: Rng, country: CountryProfile, mobile = false): Endpoint {
  const isp = rng.pick(mobile ? country.mobileIsps : country.isps);
  return { ip: ipIn(rng, isp), asn: isp.asn, country: country.code, isProxy: false };
}

/** A data-centre / VPN address; flagged as proxy with probability `proxyP`. */
export function hostingEndpoint(rng: Rng, proxyP = 0.75): Endpoint {
  const h = rng.pick(HOSTING);
  return { ip: ipIn(rng, h), asn: h.asn, country: h.country, isProxy: rng.chance(proxyP) };
}

/** Another address in the same /24 as `ep`. */
export function sameSlash24(rng: Rng, ep: Endpoint): Endpoint {
  const prefix = ep.ip.slice(0, ep.ip.lastIndexOf('.'));
  return { ...ep, ip: `${prefix}.${rng.int(1, 254)}` };
}

/** Network JSON for one event. */
export function networkJson(ep: Endpoint, userAgent: string): NetworkJson {
  const n: NetworkJson = { ip: ep.ip, userAgent, ipCountry: ep.country, asn: ep.asn };
  if (ep.isProxy) n.isProxy = true;
  return n;
}

/** A merchant in the catalog; `country` undefined means a global merchant charging in the payer's currency. */
export interface Merchant {
  readonly id: string;
  readonly category: MccProfile;
  readonly country: CountryProfile | undefined;
  readonly popularity: number;
}

/** A merchant id (same format for catalog merchants, sellers and mules). */
export function merchantId(rng: Rng): string {
  return `m-${rng.hex(8)}`;
}

/** Currency a merchant charges a payer from `payer`. */
export function merchantCurrency(m: Merchant, payer: CountryProfile): CountryProfile {
  return m.country ?? payer;
}

/** A resident user with their instruments, devices, habits and state that evolves over the run. */
export interface User {
  readonly id: string;
  email: string;
  phone: string;
  readonly createdAt: number;
  readonly createdIso: string;
  readonly country: CountryProfile;
  cards: CardState[];
  devices: DeviceState[];
  readonly homes: Endpoint[];
  readonly habits: Merchant[];
  /** Median spend in EUR minor units, and log-space spread. */
  readonly amountMedian: number;
  readonly amountSigma: number;
  readonly sessionsPerDay: number;
  readonly seller: { merchantId: string; destination: string } | undefined;
  readonly twoFactor: boolean;
  readonly vpn: boolean;
  /** Signs up during the run (first session is SIGNUP). */
  readonly joiner: boolean;
  travel: { country: CountryProfile; until: number; hotel: Endpoint } | undefined;
  lastPayment: { amount: number; currency: string; merchant: Merchant; card: CardState } | undefined;
}

/** JSON of the user's account as sent with each event. */
export function accountJson(u: {
  id: string;
  email: string;
  phone: string;
  createdIso: string;
}): AccountJson {
  const a: AccountJson = { id: u.id, email: u.email };
  if (u.phone !== '') a.phone = u.phone;
  a.createdAt = u.createdIso;
  return a;
}

/** A user id (same format for every actor). */
export function accountId(rng: Rng): string {
  return `user-${rng.hex(12)}`;
}

/** A mobile number in E.164 for the country. */
export function phoneFor(rng: Rng, country: CountryProfile): string {
  return `${country.phoneCc}${rng.pick(country.mobilePrefixes)}${rng.digits(country.subscriberDigits)}`;
}

/** A plausible personal email of a resident of the country. */
export function personalEmail(rng: Rng, country: CountryProfile): string {
  const f = rng.pick(country.firstNames);
  const l = rng.pick(country.lastNames);
  const style = rng.int(0, 5);
  const local =
    style === 0
      ? `${f}.${l}`
      : style === 1
        ? `${f}${l}${rng.int(1, 99)}`
        : style === 2
          ? `${f[0] ?? 'x'}${l}`
          : style === 3
            ? `${f}.${l}${rng.int(1960, 2006)}`
            : style === 4
              ? `${f}_${l}${rng.int(1, 9)}`
              : `${l}.${f}`;
  return `${local}@${rng.pick(country.emailDomains)}`;
}

/** A payout destination token (bank account or wallet). */
export function payoutDestination(rng: Rng): string {
  return rng.chance(0.8) ? `ba-${rng.hex(10)}` : `wal-${rng.hex(10)}`;
}

/** Relative activity by local hour of day (peak 1). */
export const HOURLY_ACTIVITY: readonly number[] = [
  0.15, 0.08, 0.05, 0.04, 0.04, 0.08, 0.25, 0.5, 0.65, 0.7, 0.75, 0.8, 0.9, 0.85, 0.75, 0.75, 0.8, 0.9, 1, 1,
  0.95, 0.8, 0.55, 0.3,
];

/** Local hour (0–23) of `ms` at UTC offset `offset` hours. */
export function localHour(ms: number, offset: number): number {
  const h = Math.floor(ms / HOUR + offset) % 24;
  return h < 0 ? h + 24 : h;
}

/** A placeholder a stream yields at time `at` so its next events are only built when that time comes. */
export interface Wake {
  readonly at: number;
  readonly wake: true;
}

/** The whole simulated world for one run. */
export interface World {
  readonly seed: number;
  readonly start: number;
  readonly end: number;
  readonly year: number;
  readonly merchants: readonly Merchant[];
  readonly users: readonly User[];
  readonly sellers: readonly User[];
  /** Merchants by `${country}:${mcc}`, and globals by `*:${mcc}`. */
  readonly byKey: ReadonlyMap<string, readonly Merchant[]>;
  /** Cache of local + global merchants by `${country}:${mcc}` (see merchantsFor). */
  readonly pools: Map<string, readonly Merchant[]>;
}

/** Merchants a payer in `country` could use for `mcc` (local and global), cached per world. */
export function merchantsFor(
  w: Pick<World, 'byKey' | 'pools'>,
  country: CountryProfile,
  mcc: string,
): readonly Merchant[] {
  const key = `${country.code}:${mcc}`;
  let pool = w.pools.get(key);
  if (pool === undefined) {
    pool = [...(w.byKey.get(key) ?? []), ...(w.byKey.get(`*:${mcc}`) ?? [])];
    w.pools.set(key, pool);
  }
  return pool;
}

/** Popularity-weighted merchant choice. */
export function pickMerchant(rng: Rng, ms: readonly Merchant[]): Merchant {
  let total = 0;
  for (const m of ms) total += m.popularity;
  let r = rng.next() * total;
  for (const m of ms) {
    r -= m.popularity;
    if (r < 0) return m;
  }
  return ms[ms.length - 1] ?? rng.pick(ms);
}

/** Builds the merchant catalog: per country and category, plus global digital/travel merchants. */
export function buildMerchants(rng: Rng): Merchant[] {
  const out: Merchant[] = [];
  for (const c of COUNTRIES) {
    for (const cat of MCCS) {
      const n = Math.max(1, Math.round(cat.weight / 2.5 + rng.next()));
      for (let i = 0; i < n; i++) {
        out.push({ id: merchantId(rng), category: cat, country: c, popularity: 1 / (i + 1) });
      }
    }
  }
  for (const cat of MCCS) {
    if (!['4899', '5815', '5816', '5818', '5262', '4511', '7011', '5732', '5999'].includes(cat.mcc)) continue;
    for (let i = 0; i < 3; i++) {
      out.push({ id: merchantId(rng), category: cat, country: undefined, popularity: 2 / (i + 1) });
    }
  }
  return out;
}

/** Indexes merchants by country and category. */
export function indexMerchants(ms: readonly Merchant[]): Map<string, Merchant[]> {
  const byKey = new Map<string, Merchant[]>();
  for (const m of ms) {
    const k = `${m.country?.code ?? '*'}:${m.category.mcc}`;
    let list = byKey.get(k);
    if (list === undefined) {
      list = [];
      byKey.set(k, list);
    }
    list.push(m);
  }
  return byKey;
}

/** Merchant categories weighted by share of legit spend. */
export const MCC_WEIGHTS: readonly (readonly [MccProfile, number])[] = MCCS.map((m) => [m, m.weight]);

/** A legitimate user; `joinAt` set means the account is created during the run. */
export function makeUser(
  rng: Rng,
  w: Pick<World, 'start' | 'byKey' | 'pools'>,
  opts: { joinAt?: number; household?: User },
): User {
  const hh = opts.household;
  const country = hh?.country ?? rng.weighted(COUNTRY_WEIGHTS);
  const createdAt =
    opts.joinAt ?? Math.round(w.start - Math.min(8 * 365 * DAY, rng.logNormal(400 * DAY, 1.1)) - HOUR);
  const cards: CardState[] = [issueCard(rng, country, w.start)];
  if (rng.chance(0.35)) {
    // A second card, occasionally foreign (expats, travel cards).
    const cc = rng.chance(0.08) ? rng.weighted(COUNTRY_WEIGHTS) : country;
    cards.push(issueCard(rng, cc, w.start));
  }
  const devices: DeviceState[] = [legitDevice(rng, country)];
  if (rng.chance(0.45)) {
    const kind = devices[0]?.kind === 'ios' || devices[0]?.kind === 'android' ? 'windows' : 'android';
    devices.push(legitDevice(rng, country, rng.chance(0.6) ? kind : undefined));
  }
  if (hh !== undefined && rng.chance(0.4)) {
    const shared = hh.devices[hh.devices.length - 1];
    if (shared !== undefined) devices.push(shared);
  }
  const homes: Endpoint[] = hh !== undefined ? [...hh.homes] : [residentialEndpoint(rng, country)];
  if (hh === undefined && rng.chance(0.3)) homes.push(residentialEndpoint(rng, country));
  const habits: Merchant[] = [];
  const nHabits = rng.int(3, 10);
  for (let i = 0; i < nHabits; i++) {
    const cat = rng.weighted(MCC_WEIGHTS);
    const ms = merchantsFor(w, country, cat.mcc);
    if (ms.length > 0) habits.push(pickMerchant(rng, ms));
  }
  const seller = rng.chance(0.06)
    ? { merchantId: merchantId(rng), destination: payoutDestination(rng) }
    : undefined;
  return {
    id: accountId(rng),
    email: personalEmail(rng, country),
    phone: rng.chance(0.85) ? phoneFor(rng, country) : '',
    createdAt,
    createdIso: isoTime(createdAt),
    country,
    cards,
    devices,
    homes,
    habits,
    amountMedian: rng.logNormal(2600, 0.45),
    amountSigma: rng.uniform(0.45, 0.9),
    sessionsPerDay: Math.min(12, rng.logNormal(0.7, 0.8)),
    seller,
    twoFactor: rng.chance(0.25),
    vpn: rng.chance(0.03),
    joiner: opts.joinAt !== undefined,
    travel: undefined,
    lastPayment: undefined,
  };
}

/** A price in minor units: `eur` EUR-minor scaled to the currency, rounded like real price tags. */
export function priceMinor(rng: Rng, eurMinor: number, currency: CountryProfile): number {
  let v = Math.max(50, Math.round(eurMinor * currency.perEur));
  if (currency.perEur >= 50) v = Math.max(100, Math.round(v / 100) * 100);
  else if (v >= 300 && rng.chance(0.35)) v = Math.floor(v / 100) * 100 + 99;
  else if (v >= 1000 && rng.chance(0.2)) v = Math.round(v / 100) * 100;
  return v;
}

/** Builds an event (eventId is filled in when it is emitted) wrapped as a labelled event. */
export function labelled(
  at: number,
  type: EventTypeName,
  scenario: Scenario,
  incident: string | undefined,
  parts: Omit<EventJson, 'eventId' | 'type' | 'occurredAt'>,
): LabelledEvent {
  const event: EventJson = { eventId: '', type, occurredAt: isoTime(at) };
  if (parts.account !== undefined) event.account = parts.account;
  if (parts.payment !== undefined) event.payment = parts.payment;
  if (parts.login !== undefined) event.login = parts.login;
  if (parts.network !== undefined) event.network = parts.network;
  if (parts.device !== undefined) event.device = parts.device;
  if (parts.attributes !== undefined) event.attributes = parts.attributes;
  return { label: scenario === 'legit' ? 0 : 1, scenario, request: { event }, at, incident };
}
