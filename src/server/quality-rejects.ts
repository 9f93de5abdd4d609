import type { FieldViolation } from '../domain/index.js';
import { qualityFieldOfViolation, type SourceParts } from '../engine/index.js';
import { type DecideRequest, EventType, PaymentChannel } from '../gen/risk/v1/risk_pb.js';

/**
 * What a request the intake refused tells data quality: its source (named as the event's would be)
 * and the rated fields it got wrong. Undefined when no rated field is among the violations.
 */
export function qualityRejection(
  req: DecideRequest,
  violations: readonly FieldViolation[],
): { parts: SourceParts; fields: string[] } | undefined {
  const fields: string[] = [];
  for (const v of violations) {
    const f = qualityFieldOfViolation(v.field);
    if (f !== undefined && !fields.includes(f)) fields.push(f);
  }
  const ev = req.event;
  if (fields.length === 0 || ev === undefined) return undefined;
  const p = ev.payment;
  return {
    parts: {
      type: EventType[ev.type] ?? 'UNKNOWN',
      channel:
        p === undefined || p.channel === PaymentChannel.PAYMENT_CHANNEL_UNSPECIFIED
          ? undefined
          : PaymentChannel[p.channel],
      merchantId: p?.merchantId === '' ? undefined : p?.merchantId,
      attributes: ev.attributes,
    },
    fields,
  };
}
