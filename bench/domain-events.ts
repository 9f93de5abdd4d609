import { fromJson } from '@bufbuild/protobuf';
import type { RiskEvent, Tokenizer } from '../src/domain/index.js';
import { eventFromProto } from '../src/domain/index.js';
import { DecideRequestSchema } from '../src/gen/risk/v1/risk_pb.js';
import type { EventTemplate } from './event-pool.js';
import { withEventId } from './event-pool.js';

/**
 * The templates converted in order the way the transports convert requests, each with a unique id
 * `<prefix>-<i>`, so none is a replay; throws if the intake rejects one.
 */
export function domainEvents(
  tokenizer: Tokenizer,
  templates: readonly EventTemplate[],
  prefix: string,
): RiskEvent[] {
  return templates.map((template, i) => {
    const ev = eventFromProto(
      fromJson(DecideRequestSchema, withEventId(template, `${prefix}-${i}`)),
      tokenizer,
    );
    if ('errors' in ev) throw new Error(`pool event rejected: ${JSON.stringify(ev.errors)}`);
    return ev.value;
  });
}
