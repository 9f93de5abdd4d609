import type { JsonObject } from '@bufbuild/protobuf';
import { panWithBin } from './luhn.js';
import { createRng, type Rng } from './prng.js';

/**
 * The proto3 JSON of one DecideRequest without `event.eventId` and `event.occurredAt`, which the
 * load generators fill in per request (every request gets a fresh id, so none is a replay).
 */
export type EventTemplate = JsonObject & { event: JsonObject };

interface Country {
  readonly code: string;
  readonly currency: string;
  /** Approximate USD value of one major unit, so amounts are alike across currencies. */
  readonly usdPerUnit: number;
  readonly timezone: string;
  readonly language: string;
  /** First two octets of residential IPv4 ranges geolocated there. */
  readonly ipPrefixes: readonly string[];
  readonly emailDomains: readonly string[];
}

const COUNTRIES: readonly Country[] = [
  {
    code: 'DE',
    currency: 'EUR',
    usdPerUnit: 1.08,
    timezone: 'Europe/Berlin',
    language: 'de-DE',
    ipPrefixes: ['85.214', '91.64', '79.192'],
    emailDomains: ['gmx.de', 'web.de', 'gmail.com'],
  },
  {
    code: 'FR',
    currency: 'EUR',
    usdPerUnit: 1.08,
    timezone: 'Europe/Paris',
    language: 'fr-FR',
    ipPrefixes: ['90.84', '86.246'],
    emailDomains: ['orange.fr', 'free.fr', 'gmail.com'],
  },
  {
    code: 'ES',
    currency: 'EUR',
    usdPerUnit: 1.08,
    timezone: 'Europe/Madrid',
    language: 'es-ES',
    ipPrefixes: ['88.26', '83.59'],
    emailDomains: ['telefonica.net', 'gmail.com'],
  },
  {
    code: 'NL',
    currency: 'EUR',
    usdPerUnit: 1.08,
    timezone: 'Europe/Amsterdam',
    language: 'nl-NL',
    ipPrefixes: ['145.53', '84.104'],
    emailDomains: ['ziggo.nl', 'outlook.com'],
  },
  {
    code: 'PL',
    currency: 'PLN',
    usdPerUnit: 0.25,
    timezone: 'Europe/Warsaw',
    language: 'pl-PL',
    ipPrefixes: ['83.24', '89.64'],
    emailDomains: ['wp.pl', 'onet.pl'],
  },
  {
    code: 'GB',
    currency: 'GBP',
    usdPerUnit: 1.27,
    timezone: 'Europe/London',
    language: 'en-GB',
    ipPrefixes: ['81.2', '86.128'],
    emailDomains: ['btinternet.com', 'gmail.com'],
  },
  {
    code: 'US',
    currency: 'USD',
    usdPerUnit: 1,
    timezone: 'America/New_York',
    language: 'en-US',
    ipPrefixes: ['73.162', '98.210', '24.5'],
    emailDomains: ['gmail.com', 'yahoo.com', 'icloud.com'],
  },
  {
    code: 'BR',
    currency: 'BRL',
    usdPerUnit: 0.18,
    timezone: 'America/Sao_Paulo',
    language: 'pt-BR',
    ipPrefixes: ['177.32', '189.6'],
    emailDomains: ['uol.com.br', 'gmail.com'],
  },
  {
    code: 'IN',
    currency: 'INR',
    usdPerUnit: 0.012,
    timezone: 'Asia/Kolkata',
    language: 'en-IN',
    ipPrefixes: ['49.36', '117.96'],
    emailDomains: ['gmail.com', 'rediffmail.com'],
  },
];

/** Issuer BINs by brand (PAN length): Visa and Mastercard 16, Amex 15. */
const BINS: readonly { readonly bin: string; readonly brand: string; readonly length: number }[] = [
  ...[
    '411111',
    '453201',
    '492181',
    '476173',
    '400115',
    '424631',
    '446291',
    '455673',
    '471606',
    '483313',
    '498824',
    '431940',
  ].map((bin) => ({ bin, brand: 'visa', length: 16 })),
  ...['510510', '542418', '222300', '531234', '552433', '519012', '545454', '223100', '527505', '557039'].map(
    (bin) => ({ bin, brand: 'mastercard', length: 16 }),
  ),
  ...['378282', '371449', '340000'].map((bin) => ({ bin, brand: 'amex', length: 15 })),
];

const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
];
const OS = ['Windows', 'macOS', 'iOS', 'Android'];
const MCCS = ['5411', '5732', '5812', '5999', '4121', '5691', '5942', '7011'];
const FIRST_NAMES = [
  'ana',
  'ben',
  'chloe',
  'david',
  'eva',
  'farid',
  'greta',
  'hugo',
  'ines',
  'jonas',
  'kim',
  'lena',
];

interface User {
  readonly id: string;
  readonly email: string;
  readonly createdAt: string;
  readonly country: Country;
  readonly cards: readonly { readonly number: string; readonly brand: string; readonly country: string }[];
  readonly devices: readonly {
    readonly id: string;
    readonly os: string;
    readonly userAgent: string;
    readonly confidence: number;
  }[];
  readonly ips: readonly string[];
}

function makeUser(rng: Rng, i: number): User {
  const country = rng.pick(COUNTRIES);
  const name = rng.pick(FIRST_NAMES);
  const created = Date.UTC(2019, 0, 1) + rng.int(6 * 365) * 86_400_000;
  const cards = Array.from({ length: 1 + rng.int(2) }, () => {
    const b = rng.pick(BINS);
    // Most cards are issued where the user lives; a few are foreign.
    const issuer = rng.next() < 0.9 ? country.code : rng.pick(COUNTRIES).code;
    return { number: panWithBin(b.bin, b.length, rng.digits), brand: b.brand, country: issuer };
  });
  const devices = Array.from({ length: 1 + rng.int(2) }, () => {
    const k = rng.int(OS.length);
    return {
      id: `dev-${rng.digits(4)}${i.toString(16).padStart(4, '0')}`,
      os: OS[k] as string,
      userAgent: USER_AGENTS[k] as string,
      confidence: Math.round((0.5 + rng.next() * 0.5) * 100) / 100,
    };
  });
  const ips = Array.from(
    { length: 1 + rng.int(3) },
    () => `${rng.pick(country.ipPrefixes)}.${rng.int(256)}.${1 + rng.int(254)}`,
  );
  return {
    id: `user-${String(i).padStart(5, '0')}`,
    email: `${name}.${i}@${rng.pick(country.emailDomains)}`,
    createdAt: new Date(created).toISOString().replace('.000Z', 'Z'),
    country,
    cards,
    devices,
    ips,
  };
}

/** Users createEventPool draws from unless told otherwise. */
export const DEFAULT_POOL_USERS = 12_000;

/** Options for createEventPool. */
export interface EventPoolOptions {
  /** Number of distinct templates (default 16384). */
  readonly size?: number;
  /** Users the templates are drawn from; each has 1–2 cards, 1–2 devices and 1–3 IPs (default 12000). */
  readonly users?: number;
  readonly seed?: number;
}

/**
 * Realistic, varied DecideRequest templates: thousands of users with valid-Luhn PANs of real
 * brands, devices, home IPs and time zones; mostly payments (some cross-border), some logins.
 * Users are drawn with a skew (index ∝ r²: 1% of users get 10% of events), so a benchmark that
 * squeezes hours of traffic into seconds makes velocity rules fire on the busy head of users, not
 * on everyone.
 */
export function createEventPool(options: EventPoolOptions = {}): EventTemplate[] {
  const rng = createRng(options.seed ?? 0x5eed);
  const users = Array.from({ length: options.users ?? DEFAULT_POOL_USERS }, (_, i) => makeUser(rng, i));
  return Array.from({ length: options.size ?? 16_384 }, () => {
    const u = users[Math.floor(users.length * rng.next() ** 2)] as User;
    const device = rng.pick(u.devices);
    const travelling = rng.next() < 0.05;
    const ipCountry = travelling ? rng.pick(COUNTRIES) : u.country;
    const ip = travelling
      ? `${rng.pick(ipCountry.ipPrefixes)}.${rng.int(256)}.${1 + rng.int(254)}`
      : rng.pick(u.ips);
    const common = {
      account: { id: u.id, email: u.email, createdAt: u.createdAt },
      network: { ip, userAgent: device.userAgent, ipCountry: ipCountry.code },
      device: {
        id: device.id,
        confidence: device.confidence,
        timezone: u.country.timezone,
        language: u.country.language,
        os: device.os,
      },
    };
    if (rng.next() < 0.15) {
      const success = rng.next() < 0.9;
      return {
        event: {
          type: 'LOGIN',
          ...common,
          login: { success, method: 'PASSWORD', ...(success ? {} : { failureReason: 'bad_password' }) },
        },
      };
    }
    const card = rng.pick(u.cards);
    // Log-uniform amounts from about 7 to 1100 USD (mostly tens), in the user's currency.
    const usd = Math.exp(2 + rng.next() * 5);
    const amountMinor = Math.max(50, Math.round((usd / u.country.usdPerUnit) * 100));
    return {
      event: {
        type: 'PAYMENT',
        ...common,
        payment: {
          amountMinor: String(amountMinor),
          currency: u.country.currency,
          card: { number: card.number, country: card.country, brand: card.brand },
          merchantId: `m-${rng.int(200)}`,
          mcc: rng.pick(MCCS),
          channel: 'ECOMMERCE',
        },
      },
    };
  });
}

/** The full proto3 JSON of a request: the template with its event id (and time, when given) first. */
export function withEventId(template: EventTemplate, eventId: string, occurredAt?: string): JsonObject {
  return { event: { eventId, ...(occurredAt !== undefined ? { occurredAt } : {}), ...template.event } };
}
