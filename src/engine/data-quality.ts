import {
  type RiskEvent,
  validCountry,
  validDeviceId,
  validEmailDomain,
  validIp,
  validText,
  validUserAgent,
} from '../domain/index.js';
import type { FeaturePlan } from '../features/index.js';

/** The fields every event is rated on, by their accessor-table names; declared attributes follow as `attr.<name>`. */
export const QUALITY_FIELDS = ['device.id', 'ip', 'card.country', 'email', 'phone', 'user_agent'] as const;

/**
 * Which dimension names an event's source: `type` (the event type, with the payment channel when
 * there is one: `PAYMENT/ECOMMERCE`, `LOGIN`), `merchant` (the payment's merchant id; other events
 * by type) or `attr.<name>` (a custom attribute the callers set, e.g. `attr.gateway`).
 */
export type QualitySourceDimension = 'type' | 'merchant' | `attr.${string}`;

/** What names a request's source when it was rejected before it became an event. */
export interface SourceParts {
  readonly type: string;
  readonly channel?: string | undefined;
  readonly merchantId?: string | undefined;
  readonly attributes: Readonly<Record<string, string>>;
}

/** How the tracker windows and judges the rates. */
export interface DataQualityOptions {
  /** Width of one time bucket; the window and the baseline are whole numbers of buckets. */
  readonly bucketMs: number;
  /** The current window the rates are reported over. */
  readonly windowMs: number;
  /** The trailing baseline: the `baselineMs` before the current window. */
  readonly baselineMs: number;
  /** Sources tracked at most; events of any further source count under `(other)`. */
  readonly maxSources: number;
  readonly source: QualitySourceDimension;
  /** A rate alerts when it moves more than this (absolute, 0..1) from its baseline. */
  readonly threshold: number;
  /**
   * `down`: only falls alert (a field no longer sent, or arriving malformed); `both`: rises too. A
   * recovery after a fall is judged against a baseline that still holds the fall, so `both` can
   * report the recovery as a rise.
   */
  readonly direction?: 'down' | 'both';
  /** Least events (the rate's denominator) in the window and in the baseline for a rate to be judged. */
  readonly minEvents: number;
  /** The serving bundle's features: its declared attributes are rated too. */
  readonly plan: () => FeaturePlan;
}

/** One rate's change of alert state, from evaluate(). */
export interface QualityTransition {
  readonly source: string;
  readonly field: string;
  readonly metric: 'present' | 'valid';
  readonly state: 'firing' | 'resolved';
  /** Which way the rate moved from its baseline. */
  readonly direction: 'down' | 'up';
  readonly current: number | null;
  readonly baseline: number | null;
  /** The rate's denominators: events the field applies to (present) or events that carried it (valid). */
  readonly currentCount: number;
  readonly baselineCount: number;
}

/** One field of one source over the current window and the baseline. */
export interface FieldQuality {
  readonly field: string;
  /** Events in the window the field applies to (card.country: card payments; the rest: every event). */
  readonly applicable: number;
  /** Present among applicable; null when none applied. */
  readonly present: number | null;
  /** Well formed among present; null when none was present. */
  readonly valid: number | null;
  readonly baselinePresent: number | null;
  readonly baselineValid: number | null;
  /** Requests of this source refused by the intake (400) for this field in the window. */
  readonly rejected: number;
  readonly alerting: boolean;
}

/** The tracker's view, the body of GET /admin/v1/quality. */
export interface QualitySnapshot {
  readonly windowMs: number;
  readonly baselineMs: number;
  readonly sources: readonly {
    readonly source: string;
    readonly events: number;
    readonly rejected: number;
    readonly fields: readonly FieldQuality[];
  }[];
}

/** Per-field, per-source completeness and validity over sliding windows (docs/data-quality.md). */
export interface DataQuality {
  /** Counts one decided event; a few hundred nanoseconds, no allocation once its source is known. */
  observe(e: RiskEvent, now: number): void;
  /** Counts a request the intake refused, against the fields it named (present but not well formed). */
  reject(parts: SourceParts, fields: readonly string[], now: number): void;
  snapshot(now: number): QualitySnapshot;
  /** Judges every rate against its baseline and returns the alerts that started or ended. */
  evaluate(now: number): QualityTransition[];
}

/** Stride of a field column per bucket: applicable, present, valid, rejected. */
const STRIDE = 4;
/** Columns at most: the fixed fields and up to 58 declared attributes. */
const MAX_FIELDS = 64;
const OTHER = '(other)';
const NONE = '(none)';
/** A source name is cut to this many characters. */
const MAX_SOURCE_NAME = 64;
/** An alert ends when its rate is back within this share of the threshold. */
const CLEAR_SHARE = 0.5;

interface Slot {
  readonly name: string;
  /** The bucket number each ring position holds, -1 for none. */
  readonly stamps: Float64Array;
  readonly events: Uint32Array;
  readonly rejected: Uint32Array;
  /** By column: STRIDE counters per ring position. */
  readonly cols: Uint32Array[];
  /** By column: bits 0-1 the present rate's alert (1 down, 2 up), bits 2-3 the valid rate's. */
  readonly alerting: Uint8Array;
}

interface AttrColumn {
  readonly name: string;
  readonly col: number;
  readonly numeric: boolean;
  readonly codes: ReadonlyMap<string, number> | undefined;
}

/** Creates the tracker. Memory: sources × fields × ring buckets × 16 bytes (64 × 7 × 66 × 16 ≈ 470 KB). */
export function createDataQuality(options: DataQualityOptions): DataQuality {
  const { bucketMs, maxSources, threshold, minEvents } = options;
  const both = options.direction === 'both';
  const windowBuckets = Math.max(1, Math.ceil(options.windowMs / bucketMs));
  const baselineBuckets = Math.max(1, Math.ceil(options.baselineMs / bucketMs));
  const ring = windowBuckets + baselineBuckets + 1;
  const fieldNames: string[] = [...QUALITY_FIELDS];
  const fieldIndex = new Map<string, number>(fieldNames.map((n, i) => [n, i]));
  const slots = new Map<string, Slot>();
  // The `type` dimension: type -> channel ('' for none) -> slot, so no name is built per event.
  const byType = new Map<string, Map<string, Slot>>();
  const byValue = new Map<string, Slot>();
  const dimension = options.source;
  const attrDimension = dimension.startsWith('attr.') ? dimension.slice(5) : undefined;
  let plan: FeaturePlan | undefined;
  let attrs: AttrColumn[] = [];

  const newSlot = (name: string): Slot => {
    const s: Slot = {
      name,
      stamps: new Float64Array(ring).fill(-1),
      events: new Uint32Array(ring),
      rejected: new Uint32Array(ring),
      cols: [],
      alerting: new Uint8Array(MAX_FIELDS),
    };
    slots.set(name, s);
    return s;
  };
  const named = (name: string): Slot => {
    const cut = name.length > MAX_SOURCE_NAME ? name.slice(0, MAX_SOURCE_NAME) : name;
    const s = slots.get(cut);
    if (s !== undefined) return s;
    return slots.size < maxSources ? newSlot(cut) : (slots.get(OTHER) ?? newSlot(OTHER));
  };
  const sourceOf = (
    type: string,
    channel: string | undefined,
    merchant: string | undefined,
    attributes: Readonly<Record<string, string>>,
  ): Slot => {
    if (dimension === 'type') {
      let m = byType.get(type);
      if (m === undefined) {
        m = new Map();
        byType.set(type, m);
      }
      const k = channel ?? '';
      let s = m.get(k);
      if (s === undefined) {
        s = named(channel === undefined ? type : `${type}/${channel}`);
        if (s.name !== OTHER) m.set(k, s);
      }
      return s;
    }
    const v = attrDimension !== undefined ? attributes[attrDimension] : merchant;
    const key = v === undefined || v === '' ? (attrDimension !== undefined ? NONE : type) : v;
    let s = byValue.get(key);
    if (s === undefined) {
      s = named(key);
      // Values past the bound are not remembered, so the map stays bounded too.
      if (s.name !== OTHER) byValue.set(key, s);
    }
    return s;
  };

  const columnOf = (name: string): number | undefined => {
    let c = fieldIndex.get(name);
    if (c === undefined && fieldNames.length < MAX_FIELDS) {
      c = fieldNames.length;
      fieldNames.push(name);
      fieldIndex.set(name, c);
    }
    return c;
  };
  const refreshPlan = () => {
    const p = options.plan();
    if (p === plan) return;
    plan = p;
    const next: AttrColumn[] = [];
    for (const [name, type] of p.attributes) {
      const col = columnOf(`attr.${name}`);
      if (col === undefined) continue;
      next.push({
        name,
        col,
        numeric: type !== 'string',
        codes: p.categoricalAttributes.find((c) => c.name === name)?.codes,
      });
    }
    attrs = next;
  };

  /** The ring position of bucket `b` in slot `s`, cleared first when it held an older bucket. */
  const position = (s: Slot, b: number): number => {
    const i = b % ring;
    if (s.stamps[i] !== b) {
      s.stamps[i] = b;
      s.events[i] = 0;
      s.rejected[i] = 0;
      const o = i * STRIDE;
      for (const c of s.cols) c.fill(0, o, o + STRIDE);
    }
    return i;
  };
  const column = (s: Slot, col: number): Uint32Array => {
    while (s.cols.length <= col) s.cols.push(new Uint32Array(ring * STRIDE));
    return s.cols[col] as Uint32Array;
  };
  const count = (s: Slot, col: number, o: number, present: boolean, valid: boolean) => {
    const c = column(s, col);
    c[o] = (c[o] as number) + 1;
    if (present) {
      c[o + 1] = (c[o + 1] as number) + 1;
      if (valid) c[o + 2] = (c[o + 2] as number) + 1;
    }
  };

  /** Sums of one slot: [events, rejected, then STRIDE per column] for the window, then the baseline. */
  const sums = (s: Slot, now: number) => {
    const nowB = Math.floor(now / bucketMs);
    const width = 2 + s.cols.length * STRIDE;
    const out = new Float64Array(width * 2);
    for (let i = 0; i < ring; i++) {
      const b = s.stamps[i] as number;
      if (b < 0 || b > nowB) continue;
      const age = nowB - b;
      let base: number;
      if (age < windowBuckets) base = 0;
      else if (age < windowBuckets + baselineBuckets) base = width;
      else continue;
      out[base] = (out[base] as number) + (s.events[i] as number);
      out[base + 1] = (out[base + 1] as number) + (s.rejected[i] as number);
      for (let c = 0; c < s.cols.length; c++) {
        const col = s.cols[c] as Uint32Array;
        for (let k = 0; k < STRIDE; k++) {
          const at = base + 2 + c * STRIDE + k;
          out[at] = (out[at] as number) + (col[i * STRIDE + k] as number);
        }
      }
    }
    return { out, width };
  };
  const ratio = (num: number, den: number): number | null => (den > 0 ? num / den : null);

  return {
    observe(e, now) {
      refreshPlan();
      const p = e.payment;
      const s = sourceOf(e.type, p?.channel, p?.merchantId, e.attributes);
      const i = position(s, Math.floor(now / bucketMs));
      s.events[i] = (s.events[i] as number) + 1;
      const o = i * STRIDE;
      const d = e.device.id;
      count(s, 0, o, d !== undefined, d !== undefined && validDeviceId(d));
      const ip = e.network.ip;
      count(s, 1, o, ip !== undefined, ip !== undefined && validIp(ip));
      // Card country applies to events that carry a card.
      if (p !== undefined && (p.cardToken !== undefined || p.bin !== undefined)) {
        const cc = p.cardCountry;
        count(s, 2, o, cc !== undefined, cc !== undefined && validCountry(cc));
      }
      const a = e.account;
      count(s, 3, o, a.emailToken !== undefined, validEmailDomain(a.emailDomain));
      count(s, 4, o, a.phoneToken !== undefined, true);
      const ua = e.network.userAgent;
      count(s, 5, o, ua !== undefined, ua !== undefined && validUserAgent(ua));
      for (const at of attrs) {
        const raw = e.attributes[at.name];
        const present = raw !== undefined && raw.trim() !== '';
        const valid = !present
          ? false
          : at.numeric
            ? e.typed?.[at.name] !== undefined
            : at.codes !== undefined
              ? at.codes.has(raw)
              : validText(raw);
        count(s, at.col, o, present, valid);
      }
    },

    reject(parts, fields, now) {
      refreshPlan();
      const s = sourceOf(parts.type, parts.channel, parts.merchantId, parts.attributes);
      const i = position(s, Math.floor(now / bucketMs));
      s.rejected[i] = (s.rejected[i] as number) + 1;
      const o = i * STRIDE;
      for (const f of fields) {
        const col = fieldIndex.get(f);
        if (col === undefined) continue;
        count(s, col, o, true, false);
        const c = column(s, col);
        c[o + 3] = (c[o + 3] as number) + 1;
      }
    },

    snapshot(now) {
      refreshPlan();
      const sources = [...slots.values()].map((s) => {
        const { out, width } = sums(s, now);
        const fields: FieldQuality[] = [];
        for (let c = 0; c < s.cols.length; c++) {
          const w = 2 + c * STRIDE;
          const b = width + w;
          const applicable = out[w] as number;
          if (applicable === 0 && (out[b] as number) === 0) continue;
          fields.push({
            field: fieldNames[c] as string,
            applicable,
            present: ratio(out[w + 1] as number, applicable),
            valid: ratio(out[w + 2] as number, out[w + 1] as number),
            baselinePresent: ratio(out[b + 1] as number, out[b] as number),
            baselineValid: ratio(out[b + 2] as number, out[b + 1] as number),
            rejected: out[w + 3] as number,
            alerting: (s.alerting[c] as number) !== 0,
          });
        }
        return { source: s.name, events: out[0] as number, rejected: out[1] as number, fields };
      });
      sources.sort((x, y) => y.events - x.events || (x.source < y.source ? -1 : 1));
      return { windowMs: windowBuckets * bucketMs, baselineMs: baselineBuckets * bucketMs, sources };
    },

    evaluate(now) {
      const changes: QualityTransition[] = [];
      for (const s of slots.values()) {
        const { out, width } = sums(s, now);
        for (let c = 0; c < s.cols.length; c++) {
          const w = 2 + c * STRIDE;
          const b = width + w;
          // present: present / applicable; valid: valid / present.
          for (let m = 0; m < 2; m++) {
            const curDen = out[w + m] as number;
            const baseDen = out[b + m] as number;
            const cur = ratio(out[w + m + 1] as number, curDen);
            const base = ratio(out[b + m + 1] as number, baseDen);
            const shift = 2 * m;
            // 0: quiet, 1: alerting on a fall, 2: alerting on a rise.
            const on = ((s.alerting[c] as number) >> shift) & 3;
            let next = on;
            if (curDen === 0 && baseDen === 0) next = 0;
            else if (cur !== null && base !== null && curDen >= minEvents && baseDen >= minEvents) {
              const delta = cur - base;
              if (on === 0) next = -delta > threshold ? 1 : both && delta > threshold ? 2 : 0;
              // A fall ends when the rate is back within half the threshold (or above the baseline).
              else if (on === 1 && -delta <= threshold * CLEAR_SHARE) next = 0;
              else if (on === 2 && delta <= threshold * CLEAR_SHARE) next = 0;
            }
            if (next === on) continue;
            s.alerting[c] = ((s.alerting[c] as number) & ~(3 << shift)) | (next << shift);
            changes.push({
              source: s.name,
              field: fieldNames[c] as string,
              metric: m === 0 ? 'present' : 'valid',
              state: next !== 0 ? 'firing' : 'resolved',
              direction: (next !== 0 ? next : on) === 1 ? 'down' : 'up',
              current: cur,
              baseline: base,
              currentCount: curDen,
              baselineCount: baseDen,
            });
          }
        }
      }
      return changes;
    },
  };
}

/** The quality field a request violation names (proto paths), or undefined for fields not rated. */
export function qualityFieldOfViolation(path: string): string | undefined {
  switch (path) {
    case 'event.device.id':
      return 'device.id';
    case 'event.network.ip':
      return 'ip';
    case 'event.payment.card.country':
      return 'card.country';
    case 'event.account.email':
      return 'email';
    case 'event.account.phone':
      return 'phone';
    case 'event.network.user_agent':
      return 'user_agent';
    default:
      return path.startsWith('event.attributes.') ? `attr.${path.slice(17)}` : undefined;
  }
}
