/** Kinds of event the service decides; mirrors risk.v1.EventType without the zero value. */
export type EventType =
  | 'PAYMENT'
  | 'LOGIN'
  | 'SIGNUP'
  | 'PASSWORD_CHANGE'
  | 'PAYOUT'
  | 'REFUND'
  | 'EMAIL_CHANGE'
  | 'PHONE_CHANGE'
  | 'TWO_FACTOR'
  | 'PAYOUT_METHOD_ADD'
  | 'CARD_ADD'
  | 'LOGOUT';

/** Outcomes in increasing strength; combination picks the strongest live one (allowlist aside). */
export type Action = 'ALLOW' | 'CHALLENGE' | 'REVIEW' | 'BLOCK';

/** Stage that produced a reason. */
export type ReasonSource = 'LIST' | 'DEVICE' | 'RULE' | 'MODEL' | 'SEQUENCE' | 'SYSTEM';

/**
 * One event after validation and tokenisation at the edge: raw PAN, email and phone are gone,
 * replaced by keyed HMAC tokens. Optional fields are undefined when the caller did not send them.
 */
export interface RiskEvent {
  readonly eventId: string;
  readonly type: EventType;
  /** Caller's occurred_at in epoch milliseconds; absent means "now" (arrival time). */
  readonly occurredAtMs?: number;
  readonly account: {
    readonly id?: string;
    readonly emailToken?: string;
    readonly emailDomain?: string;
    readonly phoneToken?: string;
    readonly createdAtMs?: number;
  };
  readonly payment?: {
    readonly amountMinor: number;
    readonly currency?: string;
    /** HMAC token of the PAN, or the caller's card token. */
    readonly cardToken?: string;
    readonly bin?: string;
    readonly last4?: string;
    readonly cardCountry?: string;
    readonly cardBrand?: string;
    readonly merchantId?: string;
    readonly mcc?: string;
    readonly payoutDestination?: string;
    readonly channel?: string;
  };
  readonly login?: {
    readonly success: boolean;
    readonly method?: string;
    readonly failureReason?: string;
  };
  readonly network: {
    readonly ip?: string;
    /** The /24 (IPv4) or /64 (IPv6: one end site's LAN, what a single customer line gets) prefix of ip, for subnet velocity. */
    readonly ipPrefix?: string;
    readonly userAgent?: string;
    readonly ipCountry?: string;
    readonly asn?: string;
    readonly isProxy: boolean;
  };
  readonly device: {
    readonly id?: string;
    readonly confidence?: number;
    readonly emulator: boolean;
    readonly rooted: boolean;
    readonly bot: boolean;
    readonly incognito: boolean;
    readonly timezone?: string;
    readonly language?: string;
    readonly os?: string;
  };
  /** Custom attributes as sent: the wire form, strings. */
  readonly attributes: Readonly<Record<string, string>>;
  /**
   * Declared non-string attributes, parsed once at the edge (see AttributeType): numbers as numbers,
   * bools as 1 or 0, timestamps as epoch milliseconds. Absent when the bundle declares none or the
   * event carries none of them.
   */
  readonly typed?: Readonly<Record<string, number>> | undefined;
}

/** Type of a custom attribute declared in a bundle's features section. */
export type AttributeType = 'string' | 'number' | 'bool' | 'timestamp';

/** One contribution to a decision. */
export interface Reason {
  readonly code: string;
  readonly message: string;
  readonly source: ReasonSource;
  readonly ruleId?: string;
  /**
   * What this reason asked for. Absent on explanation reasons (a model feature's contribution),
   * which ask for nothing: they are added after the reasons are combined and never decide.
   */
  readonly action?: Action;
  /** Explanation reasons: the model feature (manifest name) this reason is about. */
  readonly feature?: string;
  /** Explanation reasons: the feature's value as the decision saw it; absent when it was missing. */
  readonly value?: number;
  /** Explanation reasons: the feature's signed TreeSHAP value in the model's log-odds (its margin). */
  readonly contribution?: number;
}

/** Which time placed an event in the counter windows; mirrors risk.v1.TimeBasis without the zero value. */
export type TimeBasis = 'EVENT_TIME' | 'ARRIVAL_TIME';

/** Time spent in one stage, in microseconds. */
export interface StageTiming {
  readonly stage: string;
  readonly micros: number;
}

/** The decision for one event: data with reasons, versions and what was skipped. */
export interface DecisionResult {
  readonly decisionId: string;
  readonly eventId: string;
  readonly decision: Action;
  /** Risk in [0, 1]: model score plus rule modifiers, clipped. */
  readonly score: number;
  readonly modelScore?: number;
  readonly reasons: readonly Reason[];
  readonly bundleVersion: string;
  readonly modelVersion: string;
  readonly degraded: readonly string[];
  readonly timings: readonly StageTiming[];
  readonly replayed: boolean;
  /** EVENT_TIME when occurred_at was within the allowed skew of the clock, else ARRIVAL_TIME. */
  readonly timeBasis: TimeBasis;
  /** The time the counter windows used (RFC 3339, milliseconds), kept as text: it is the JSON form. */
  readonly windowTime: string;
  /**
   * Finite feature values by name, only on a fresh decision whose caller asked for them. Never in
   * `json` (the replay record), so a replay has none.
   */
  readonly features?: Readonly<Record<string, number>>;
  /**
   * This result as JSON (without this field), set on a fresh decision when the engine keeps a
   * replay record: the record itself. A transport whose wire form is that JSON may send it as it
   * is instead of serialising the result again. Never set on a replay.
   */
  readonly json?: string;
}
