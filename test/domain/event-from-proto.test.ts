import { fromJson } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { eventFromProto } from '../../src/domain/event-from-proto.js';
import { createTokenizer } from '../../src/domain/tokenizer.js';
import type { RiskEvent } from '../../src/domain/types.js';
import { DecideRequestSchema } from '../../src/gen/risk/v1/risk_pb.js';
import { ACCEPTANCE_REQUEST } from '../helpers.js';

const tokenizer = createTokenizer('test-key-0123456789');
const toEvent = (json: object): RiskEvent => {
  const r = eventFromProto(fromJson(DecideRequestSchema, json as never), tokenizer);
  if (!('value' in r)) throw new Error(JSON.stringify(r.errors));
  return r.value;
};

/** Own keys of an object and of each object-valued property, in order. */
const shape = (o: object): string[] =>
  Object.entries(o).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? [k, ...shape(v).map((s) => `${k}.${s}`)] : [k],
  );

describe('eventFromProto', () => {
  it('gives every event the same object shapes, whatever parts the request has', () => {
    const payment = toEvent(ACCEPTANCE_REQUEST);
    const login = toEvent({
      event: {
        eventId: 'evt-login',
        type: 'LOGIN',
        login: { success: false, method: 'PASSWORD' },
        network: { ip: '198.51.100.4' },
      },
    });
    const bare = toEvent({ event: { eventId: 'evt-bare', type: 'SIGNUP' } });
    // Top level and account are fixed; payment and login are objects only when sent.
    const top = (e: RiskEvent) => Object.keys(e);
    expect(top(login)).toEqual(top(payment));
    expect(top(bare)).toEqual(top(payment));
    expect(Object.keys(bare.account)).toEqual(Object.keys(payment.account));
    expect(shape(bare.network)).toEqual(shape(payment.network));
    expect(shape(bare.device)).toEqual(shape(payment.device));
    expect(bare.payment).toBeUndefined();
    expect(bare.occurredAtMs).toBeUndefined();
    expect(payment.login).toBeUndefined();
  });
});
