/** Reference data for the simulator: countries, ISPs, BINs, names, merchant categories and user agents. */

/** A block of addresses: first octet and an inclusive range for the second octet. */
export type IpBlock = readonly [first: number, secondLo: number, secondHi: number];

/** An autonomous system and the blocks it announces in one country. */
export interface Isp {
  readonly asn: string;
  readonly blocks: readonly IpBlock[];
}

/** Card brands the simulator issues. */
export type CardBrand = 'visa' | 'mastercard' | 'amex';

/** Everything the simulator needs to make a plausible resident of one country. */
export interface CountryProfile {
  readonly code: string;
  readonly weight: number;
  readonly currency: string;
  /** Local currency units per EUR, to scale amounts. */
  readonly perEur: number;
  /** IANA zone with its (standard-time) UTC offset in hours, weighted. */
  readonly zones: readonly (readonly [zone: string, offset: number, weight: number])[];
  readonly languages: readonly (readonly [tag: string, weight: number])[];
  readonly phoneCc: string;
  readonly mobilePrefixes: readonly string[];
  readonly subscriberDigits: number;
  readonly isps: readonly Isp[];
  readonly mobileIsps: readonly Isp[];
  readonly bins: Readonly<Partial<Record<CardBrand, readonly string[]>>>;
  readonly emailDomains: readonly string[];
  readonly firstNames: readonly string[];
  readonly lastNames: readonly string[];
}

/** Countries of the simulated population, weighted by share of users. */
export const COUNTRIES: readonly CountryProfile[] = [
  {
    code: 'US',
    weight: 22,
    currency: 'USD',
    perEur: 1.08,
    zones: [
      ['America/New_York', -5, 45],
      ['America/Chicago', -6, 28],
      ['America/Denver', -7, 7],
      ['America/Los_Angeles', -8, 20],
    ],
    languages: [
      ['en-US', 92],
      ['es-US', 8],
    ],
    phoneCc: '+1',
    mobilePrefixes: ['201', '212', '305', '312', '415', '512', '617', '646', '702', '713', '818', '917'],
    subscriberDigits: 7,
    isps: [
      {
        asn: 'AS7922',
        blocks: [
          [73, 0, 255],
          [24, 0, 63],
          [98, 192, 255],
        ],
      },
      {
        asn: 'AS7018',
        blocks: [
          [99, 0, 127],
          [108, 192, 255],
        ],
      },
      {
        asn: 'AS701',
        blocks: [
          [71, 160, 191],
          [108, 0, 63],
        ],
      },
      {
        asn: 'AS20115',
        blocks: [
          [76, 160, 191],
          [97, 80, 95],
        ],
      },
    ],
    mobileIsps: [
      { asn: 'AS21928', blocks: [[172, 56, 63]] },
      { asn: 'AS22394', blocks: [[174, 192, 255]] },
    ],
    bins: {
      visa: ['414720', '426684', '440066', '476173', '485246'],
      mastercard: ['517805', '524366', '542418', '222300'],
      amex: ['371449', '378282', '379764'],
    },
    emailDomains: [
      'gmail.com',
      'gmail.com',
      'yahoo.com',
      'outlook.com',
      'icloud.com',
      'hotmail.com',
      'aol.com',
    ],
    firstNames: ['james', 'mary', 'john', 'linda', 'michael', 'sarah', 'david', 'emily', 'chris', 'jessica'],
    lastNames: [
      'smith',
      'johnson',
      'williams',
      'brown',
      'jones',
      'garcia',
      'miller',
      'davis',
      'wilson',
      'moore',
    ],
  },
  {
    code: 'DE',
    weight: 14,
    currency: 'EUR',
    perEur: 1,
    zones: [['Europe/Berlin', 1, 1]],
    languages: [
      ['de-DE', 93],
      ['en-US', 4],
      ['tr-TR', 3],
    ],
    phoneCc: '+49',
    mobilePrefixes: ['151', '152', '157', '160', '162', '170', '171', '172', '176', '177', '179'],
    subscriberDigits: 8,
    isps: [
      {
        asn: 'AS3320',
        blocks: [
          [84, 128, 191],
          [87, 128, 191],
          [91, 0, 63],
          [93, 192, 255],
        ],
      },
      {
        asn: 'AS3209',
        blocks: [
          [88, 64, 79],
          [95, 88, 91],
        ],
      },
      { asn: 'AS8881', blocks: [[188, 192, 199]] },
    ],
    mobileIsps: [
      { asn: 'AS6805', blocks: [[176, 0, 7]] },
      { asn: 'AS3209', blocks: [[109, 40, 47]] },
    ],
    bins: {
      visa: ['453201', '454617', '476134', '492910'],
      mastercard: ['520424', '535110', '540128', '222100'],
    },
    emailDomains: ['gmail.com', 'web.de', 'gmx.de', 'gmx.net', 't-online.de', 'outlook.de'],
    firstNames: ['lukas', 'anna', 'jonas', 'lea', 'felix', 'laura', 'max', 'sophie', 'paul', 'marie'],
    lastNames: [
      'mueller',
      'schmidt',
      'schneider',
      'fischer',
      'weber',
      'meyer',
      'wagner',
      'becker',
      'hoffmann',
    ],
  },
  {
    code: 'GB',
    weight: 12,
    currency: 'GBP',
    perEur: 0.85,
    zones: [['Europe/London', 0, 1]],
    languages: [['en-GB', 1]],
    phoneCc: '+44',
    mobilePrefixes: ['7400', '7500', '7700', '7800', '7900', '7911', '7966'],
    subscriberDigits: 6,
    isps: [
      {
        asn: 'AS2856',
        blocks: [
          [81, 128, 159],
          [86, 128, 191],
        ],
      },
      {
        asn: 'AS5089',
        blocks: [
          [82, 0, 47],
          [86, 0, 31],
        ],
      },
      { asn: 'AS5607', blocks: [[90, 192, 223]] },
    ],
    mobileIsps: [
      { asn: 'AS12576', blocks: [[31, 94, 95]] },
      { asn: 'AS25135', blocks: [[92, 40, 41]] },
    ],
    bins: {
      visa: ['446291', '454313', '475129', '492181'],
      mastercard: ['522365', '539923', '552213'],
      amex: ['374245', '377100'],
    },
    emailDomains: ['gmail.com', 'gmail.com', 'hotmail.co.uk', 'outlook.com', 'btinternet.com', 'yahoo.co.uk'],
    firstNames: ['oliver', 'amelia', 'harry', 'isla', 'jack', 'ava', 'george', 'emily', 'noah', 'grace'],
    lastNames: ['smith', 'jones', 'taylor', 'brown', 'williams', 'wilson', 'evans', 'thomas', 'roberts'],
  },
  {
    code: 'FR',
    weight: 11,
    currency: 'EUR',
    perEur: 1,
    zones: [['Europe/Paris', 1, 1]],
    languages: [
      ['fr-FR', 95],
      ['en-US', 3],
      ['ar-MA', 2],
    ],
    phoneCc: '+33',
    mobilePrefixes: ['6', '7'],
    subscriberDigits: 8,
    isps: [
      {
        asn: 'AS3215',
        blocks: [
          [90, 0, 127],
          [86, 192, 255],
        ],
      },
      { asn: 'AS12322', blocks: [[82, 64, 127]] },
      { asn: 'AS5410', blocks: [[176, 128, 191]] },
    ],
    mobileIsps: [
      { asn: 'AS51207', blocks: [[37, 160, 175]] },
      { asn: 'AS15557', blocks: [[77, 128, 159]] },
    ],
    bins: {
      visa: ['497010', '497671', '456735', '413710'],
      mastercard: ['513186', '535636', '529942'],
    },
    emailDomains: ['gmail.com', 'orange.fr', 'free.fr', 'laposte.net', 'hotmail.fr', 'sfr.fr'],
    firstNames: ['lucas', 'emma', 'hugo', 'jade', 'louis', 'louise', 'gabriel', 'alice', 'arthur', 'chloe'],
    lastNames: ['martin', 'bernard', 'dubois', 'thomas', 'robert', 'richard', 'petit', 'durand', 'leroy'],
  },
  {
    code: 'ES',
    weight: 7,
    currency: 'EUR',
    perEur: 1,
    zones: [['Europe/Madrid', 1, 1]],
    languages: [
      ['es-ES', 88],
      ['ca-ES', 12],
    ],
    phoneCc: '+34',
    mobilePrefixes: ['6', '7'],
    subscriberDigits: 8,
    isps: [
      {
        asn: 'AS3352',
        blocks: [
          [88, 0, 31],
          [83, 32, 63],
        ],
      },
      { asn: 'AS12479', blocks: [[79, 144, 159]] },
    ],
    mobileIsps: [{ asn: 'AS12430', blocks: [[37, 132, 133]] }],
    bins: {
      visa: ['454881', '418914', '491214'],
      mastercard: ['540415', '518873', '557004'],
    },
    emailDomains: ['gmail.com', 'hotmail.es', 'yahoo.es', 'outlook.es', 'telefonica.net'],
    firstNames: [
      'hugo',
      'lucia',
      'martin',
      'sofia',
      'pablo',
      'maria',
      'daniel',
      'paula',
      'alejandro',
      'julia',
    ],
    lastNames: ['garcia', 'rodriguez', 'gonzalez', 'fernandez', 'lopez', 'martinez', 'sanchez', 'perez'],
  },
  {
    code: 'IT',
    weight: 7,
    currency: 'EUR',
    perEur: 1,
    zones: [['Europe/Rome', 1, 1]],
    languages: [['it-IT', 1]],
    phoneCc: '+39',
    mobilePrefixes: ['320', '328', '333', '338', '340', '347', '349', '366', '388'],
    subscriberDigits: 7,
    isps: [
      {
        asn: 'AS3269',
        blocks: [
          [79, 0, 63],
          [87, 0, 31],
        ],
      },
      { asn: 'AS30722', blocks: [[151, 64, 95]] },
    ],
    mobileIsps: [{ asn: 'AS16232', blocks: [[5, 90, 91]] }],
    bins: {
      visa: ['402360', '453997', '479258'],
      mastercard: ['531239', '523969', '544327'],
    },
    emailDomains: ['gmail.com', 'libero.it', 'hotmail.it', 'yahoo.it', 'virgilio.it', 'alice.it'],
    firstNames: ['leonardo', 'sofia', 'francesco', 'giulia', 'alessandro', 'aurora', 'lorenzo', 'alice'],
    lastNames: ['rossi', 'russo', 'ferrari', 'esposito', 'bianchi', 'romano', 'colombo', 'ricci'],
  },
  {
    code: 'NL',
    weight: 5,
    currency: 'EUR',
    perEur: 1,
    zones: [['Europe/Amsterdam', 1, 1]],
    languages: [
      ['nl-NL', 90],
      ['en-GB', 10],
    ],
    phoneCc: '+31',
    mobilePrefixes: ['6'],
    subscriberDigits: 8,
    isps: [
      { asn: 'AS33915', blocks: [[84, 80, 87]] },
      { asn: 'AS1136', blocks: [[77, 160, 175]] },
    ],
    mobileIsps: [{ asn: 'AS31615', blocks: [[62, 140, 141]] }],
    bins: {
      visa: ['465858', '403035'],
      mastercard: ['520953', '545045', '230800'],
    },
    emailDomains: ['gmail.com', 'hotmail.nl', 'ziggo.nl', 'kpnmail.nl', 'outlook.com', 'live.nl'],
    firstNames: ['daan', 'emma', 'sem', 'julia', 'lucas', 'mila', 'levi', 'tess', 'finn', 'sophie'],
    lastNames: ['dejong', 'jansen', 'devries', 'vandenberg', 'bakker', 'janssen', 'visser', 'smit'],
  },
  {
    code: 'PL',
    weight: 5,
    currency: 'PLN',
    perEur: 4.3,
    zones: [['Europe/Warsaw', 1, 1]],
    languages: [
      ['pl-PL', 95],
      ['uk-UA', 5],
    ],
    phoneCc: '+48',
    mobilePrefixes: ['50', '51', '53', '60', '66', '69', '72', '78', '79', '88'],
    subscriberDigits: 7,
    isps: [
      { asn: 'AS5617', blocks: [[83, 0, 31]] },
      { asn: 'AS6830', blocks: [[89, 64, 79]] },
    ],
    mobileIsps: [{ asn: 'AS12912', blocks: [[46, 76, 77]] }],
    bins: {
      visa: ['404117', '427757', '451412'],
      mastercard: ['535470', '520065', '559889'],
    },
    emailDomains: ['gmail.com', 'wp.pl', 'onet.pl', 'o2.pl', 'interia.pl'],
    firstNames: ['jakub', 'zuzanna', 'antoni', 'julia', 'jan', 'maja', 'szymon', 'hanna', 'filip', 'lena'],
    lastNames: ['nowak', 'kowalski', 'wisniewski', 'wojcik', 'kowalczyk', 'kaminski', 'lewandowski'],
  },
  {
    code: 'BR',
    weight: 9,
    currency: 'BRL',
    perEur: 5.6,
    zones: [['America/Sao_Paulo', -3, 1]],
    languages: [['pt-BR', 1]],
    phoneCc: '+55',
    mobilePrefixes: ['119', '219', '319', '419', '519', '619', '719', '819'],
    subscriberDigits: 8,
    isps: [
      {
        asn: 'AS28573',
        blocks: [
          [177, 32, 63],
          [189, 0, 63],
        ],
      },
      { asn: 'AS18881', blocks: [[191, 176, 191]] },
      { asn: 'AS27699', blocks: [[187, 0, 63]] },
    ],
    mobileIsps: [{ asn: 'AS26599', blocks: [[179, 96, 127]] }],
    bins: {
      visa: ['406655', '422061', '498406'],
      mastercard: ['515590', '536380', '549167'],
    },
    emailDomains: ['gmail.com', 'gmail.com', 'hotmail.com', 'outlook.com', 'uol.com.br', 'bol.com.br'],
    firstNames: ['miguel', 'helena', 'arthur', 'alice', 'gael', 'laura', 'heitor', 'manuela', 'davi'],
    lastNames: ['silva', 'santos', 'oliveira', 'souza', 'rodrigues', 'ferreira', 'alves', 'pereira'],
  },
  {
    code: 'IN',
    weight: 8,
    currency: 'INR',
    perEur: 90,
    zones: [['Asia/Kolkata', 5.5, 1]],
    languages: [
      ['en-IN', 70],
      ['hi-IN', 30],
    ],
    phoneCc: '+91',
    mobilePrefixes: ['98', '99', '97', '96', '93', '90', '88', '87', '70', '63'],
    subscriberDigits: 8,
    isps: [
      { asn: 'AS9829', blocks: [[117, 192, 255]] },
      { asn: 'AS24560', blocks: [[122, 160, 191]] },
      { asn: 'AS17488', blocks: [[183, 82, 83]] },
    ],
    mobileIsps: [
      { asn: 'AS55836', blocks: [[49, 32, 47]] },
      { asn: 'AS45609', blocks: [[106, 192, 223]] },
    ],
    bins: {
      visa: ['421323', '438628', '461786'],
      mastercard: ['524167', '552020', '512622'],
    },
    emailDomains: ['gmail.com', 'gmail.com', 'yahoo.co.in', 'rediffmail.com', 'outlook.com'],
    firstNames: ['aarav', 'ananya', 'vihaan', 'diya', 'arjun', 'priya', 'rohan', 'isha', 'kabir', 'saanvi'],
    lastNames: ['sharma', 'patel', 'singh', 'kumar', 'gupta', 'reddy', 'iyer', 'nair', 'das', 'mehta'],
  },
];

/** Country profiles by ISO code. */
export const COUNTRY_BY_CODE: ReadonlyMap<string, CountryProfile> = new Map(
  COUNTRIES.map((c) => [c.code, c]),
);

/** Weighted list of countries for sampling. */
export const COUNTRY_WEIGHTS: readonly (readonly [CountryProfile, number])[] = COUNTRIES.map((c) => [
  c,
  c.weight,
]);

/** A hosting or VPN provider: traffic from here is rarely a home user. */
export interface HostingProvider extends Isp {
  readonly country: string;
}

/** Data-centre and VPN ranges used by fraud actors (and by a few privacy-minded legit users). */
export const HOSTING: readonly HostingProvider[] = [
  {
    asn: 'AS16509',
    country: 'US',
    blocks: [
      [3, 80, 95],
      [18, 204, 223],
      [52, 0, 95],
    ],
  },
  {
    asn: 'AS14061',
    country: 'US',
    blocks: [
      [159, 89, 89],
      [164, 90, 90],
      [167, 99, 99],
    ],
  },
  {
    asn: 'AS24940',
    country: 'DE',
    blocks: [
      [88, 99, 99],
      [136, 243, 243],
      [5, 9, 9],
    ],
  },
  {
    asn: 'AS16276',
    country: 'FR',
    blocks: [
      [51, 38, 38],
      [54, 36, 39],
      [145, 239, 239],
    ],
  },
  {
    asn: 'AS9009',
    country: 'GB',
    blocks: [
      [185, 156, 156],
      [89, 238, 238],
    ],
  },
  {
    asn: 'AS60781',
    country: 'NL',
    blocks: [
      [37, 48, 48],
      [85, 17, 17],
    ],
  },
];

/** Merchant category: ISO 18245 code, relative frequency in legit spend and amount factor. */
export interface MccProfile {
  readonly mcc: string;
  readonly weight: number;
  /** Multiplier on a user's typical amount. */
  readonly factor: number;
  readonly recurring?: boolean;
}

/** Merchant categories in the simulated catalog. */
export const MCCS: readonly MccProfile[] = [
  { mcc: '5411', weight: 18, factor: 1.3 },
  { mcc: '5812', weight: 9, factor: 1.1 },
  { mcc: '5814', weight: 9, factor: 0.45 },
  { mcc: '5541', weight: 5, factor: 1.6 },
  { mcc: '5999', weight: 6, factor: 1 },
  { mcc: '5311', weight: 4, factor: 1.8 },
  { mcc: '5651', weight: 5, factor: 2 },
  { mcc: '5732', weight: 2, factor: 5 },
  { mcc: '5945', weight: 1.5, factor: 1.2 },
  { mcc: '5816', weight: 2.5, factor: 0.5 },
  { mcc: '5818', weight: 3.5, factor: 0.35 },
  { mcc: '5815', weight: 3.5, factor: 0.35 },
  { mcc: '4121', weight: 6, factor: 0.7 },
  { mcc: '4111', weight: 3, factor: 0.25 },
  { mcc: '4899', weight: 4, factor: 0.45, recurring: true },
  { mcc: '4814', weight: 2, factor: 1, recurring: true },
  { mcc: '5912', weight: 4, factor: 0.7 },
  { mcc: '7011', weight: 1, factor: 6 },
  { mcc: '4511', weight: 1, factor: 8 },
  { mcc: '5942', weight: 2, factor: 0.7 },
  { mcc: '5262', weight: 5, factor: 1.2 },
  { mcc: '8398', weight: 0.5, factor: 1 },
  { mcc: '5947', weight: 1, factor: 1.5 },
  { mcc: '5944', weight: 0.4, factor: 6 },
];

/** Device families and their OS strings, user agents and fingerprint behaviour. */
export type DeviceKind = 'ios' | 'android' | 'windows' | 'mac' | 'linux';

/** OS versions per device kind. */
export const OS_VERSIONS: Readonly<Record<DeviceKind, readonly string[]>> = {
  ios: ['iOS 17.5', 'iOS 17.6', 'iOS 18.1', 'iOS 18.3', 'iOS 16.7'],
  android: ['Android 14', 'Android 13', 'Android 15', 'Android 12'],
  windows: ['Windows 11', 'Windows 10'],
  mac: ['macOS 14.5', 'macOS 15.1', 'macOS 13.6'],
  linux: ['Linux'],
};

/** Browser user agents per device kind. */
export const USER_AGENTS: Readonly<Record<DeviceKind, readonly string[]>> = {
  ios: [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
    'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1',
  ],
  android: [
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0.0.0 Mobile Safari/537.36',
    'Mozilla/5.0 (Linux; Android 13; Redmi Note 12) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  ],
  windows: [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/127.0.0.0 Safari/537.36 Edg/127.0.0.0',
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
  ],
  mac: [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  ],
  linux: [
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0',
  ],
};

/** User agents of the mobile app, by platform. */
export const APP_USER_AGENTS: Readonly<Partial<Record<DeviceKind, readonly string[]>>> = {
  ios: ['ShopApp/5.12.0 (iPhone; iOS 17.5; Scale/3.00)', 'ShopApp/5.14.1 (iPhone; iOS 18.1; Scale/3.00)'],
  android: ['ShopApp/5.12.0 (Android 14; Pixel 8)', 'ShopApp/5.14.1 (Android 13; SM-A536B)'],
};

/** User agents typical of automation: headless browsers, HTTP libraries, emulators. */
export const BOT_USER_AGENTS: readonly string[] = [
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
  'python-requests/2.31.0',
  'Go-http-client/1.1',
  'Mozilla/5.0 (Linux; Android 11; sdk_gphone_x86) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.120 Mobile Safari/537.36',
  'okhttp/4.12.0',
];

/** Email domains of throwaway inboxes. */
export const DISPOSABLE_DOMAINS: readonly string[] = [
  'mailinator.com',
  'yopmail.com',
  'guerrillamail.com',
  'sharklasers.com',
  'tempmail.dev',
];

/** Privacy-focused email domains (used by fraudsters and privacy-minded users alike). */
export const PRIVACY_DOMAINS: readonly string[] = ['proton.me', 'protonmail.com', 'tutanota.com'];

/** Promo codes for first purchases. */
export const PROMO_CODES: readonly string[] = ['WELCOME10', 'NEWUSER15', 'FIRST5', 'HELLO20'];
