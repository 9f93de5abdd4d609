export {
  /** Reflection-free protobuf binary decoder of DecideRequest, equal to fromBinary (throws on bad input). */
  decideRequestFromBinary,
} from './decide-request-binary.js';
export {
  /** Fast path for canonical proto3 JSON DecideRequest, equal to fromJson; undefined means fall back to fromJson. */
  decideRequestFromJson,
} from './decide-request-json.js';
export {
  /** Reflection-free protobuf binary encoder of DecideResponse, byte-identical to toBinary. */
  decideResponseToBinary,
} from './decide-response-binary.js';
