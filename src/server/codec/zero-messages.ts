import { protoInt64 } from '@bufbuild/protobuf';
import type { Timestamp } from '@bufbuild/protobuf/wkt';
import type { Account, Card, Device, Event, Login, Network, Payment } from '../../gen/risk/v1/risk_pb.js';

// Zero-value messages, exactly as create() makes them, shared by both decoders.

/** An empty risk.v1.Account. */
export function newAccount(): Account {
  return { $typeName: 'risk.v1.Account', id: '', email: '', phone: '' };
}

/** An empty risk.v1.Login. */
export function newLogin(): Login {
  return { $typeName: 'risk.v1.Login', success: false, method: 0, failureReason: '' };
}

/** An empty risk.v1.Event. */
export function newEvent(): Event {
  return { $typeName: 'risk.v1.Event', eventId: '', type: 0, attributes: {} };
}

/** A zero google.protobuf.Timestamp. */
export function newTimestamp(): Timestamp {
  return { $typeName: 'google.protobuf.Timestamp', seconds: protoInt64.zero, nanos: 0 };
}

/** An empty risk.v1.Payment. */
export function newPayment(): Payment {
  return {
    $typeName: 'risk.v1.Payment',
    amountMinor: protoInt64.zero,
    currency: '',
    merchantId: '',
    mcc: '',
    payoutDestination: '',
    channel: 0,
  };
}

/** An empty risk.v1.Card. */
export function newCard(): Card {
  return {
    $typeName: 'risk.v1.Card',
    number: '',
    token: '',
    bin: '',
    last4: '',
    country: '',
    brand: '',
    expMonth: 0,
    expYear: 0,
  };
}

/** An empty risk.v1.Network. */
export function newNetwork(): Network {
  return { $typeName: 'risk.v1.Network', ip: '', userAgent: '', ipCountry: '', asn: '', isProxy: false };
}

/** An empty risk.v1.Device. */
export function newDevice(): Device {
  return {
    $typeName: 'risk.v1.Device',
    id: '',
    confidence: 0,
    emulator: false,
    rooted: false,
    bot: false,
    incognito: false,
    timezone: '',
    language: '',
    os: '',
  };
}
