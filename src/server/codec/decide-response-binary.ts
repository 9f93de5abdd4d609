import type { UnknownField } from '@bufbuild/protobuf';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import type { DecideResponse, Reason, StageTiming } from '../../gen/risk/v1/risk_pb.js';

/**
 * Encodes risk.v1.DecideResponse to protobuf binary without reflection, byte-identical to
 * `toBinary(DecideResponseSchema, msg)`: fields in field-number order, proto3 implicit presence
 * (zero values skipped, but -0 doubles written), `model_score` (explicit presence) written whenever
 * present, repeated messages and strings unpacked, unknown fields (`$unknown`) appended last.
 */
export function decideResponseToBinary(msg: DecideResponse): Uint8Array {
  const w = new BinaryWriter();
  writeResponse(w, msg);
  return w.finish();
}

/** Wire-format tags: (field number << 3) | wire type. */
const LEN = 2;
const VARINT = 0;
const I64 = 1;
const tag = (no: number, wireType: number) => (no << 3) | wireType;

/** proto3 implicit presence of a double: +0 is the zero value, -0 is set. */
function doubleSet(v: number): boolean {
  return v !== 0 || 1 / v < 0;
}

function writeUnknown(w: BinaryWriter, unknown: UnknownField[] | undefined): void {
  if (unknown === undefined) return;
  for (const { no, wireType, data } of unknown) w.tag(no, wireType).raw(data);
}

function writeResponse(w: BinaryWriter, m: DecideResponse): void {
  if (m.decisionId !== '') w.uint32(tag(1, LEN)).string(m.decisionId);
  if (m.eventId !== '') w.uint32(tag(2, LEN)).string(m.eventId);
  if (m.decision !== 0) w.uint32(tag(3, VARINT)).int32(m.decision);
  if (doubleSet(m.score)) w.uint32(tag(4, I64)).double(m.score);
  for (const r of m.reasons) {
    w.uint32(tag(5, LEN)).fork();
    writeReason(w, r);
    w.join();
  }
  if (m.bundleVersion !== '') w.uint32(tag(6, LEN)).string(m.bundleVersion);
  if (m.modelVersion !== '') w.uint32(tag(7, LEN)).string(m.modelVersion);
  for (const d of m.degraded) w.uint32(tag(8, LEN)).string(d);
  for (const t of m.timings) {
    w.uint32(tag(9, LEN)).fork();
    writeTiming(w, t);
    w.join();
  }
  if (m.modelScore !== undefined && Object.hasOwn(m, 'modelScore')) {
    w.uint32(tag(10, I64)).double(m.modelScore);
  }
  if (m.replayed !== false) w.uint32(tag(11, VARINT)).bool(m.replayed);
  writeUnknown(w, m.$unknown);
}

function writeReason(w: BinaryWriter, m: Reason): void {
  if (m.code !== '') w.uint32(tag(1, LEN)).string(m.code);
  if (m.message !== '') w.uint32(tag(2, LEN)).string(m.message);
  if (m.source !== 0) w.uint32(tag(3, VARINT)).int32(m.source);
  if (m.ruleId !== '') w.uint32(tag(4, LEN)).string(m.ruleId);
  if (m.action !== 0) w.uint32(tag(5, VARINT)).int32(m.action);
  writeUnknown(w, m.$unknown);
}

function writeTiming(w: BinaryWriter, m: StageTiming): void {
  if (m.stage !== '') w.uint32(tag(1, LEN)).string(m.stage);
  if (doubleSet(m.micros)) w.uint32(tag(2, I64)).double(m.micros);
  writeUnknown(w, m.$unknown);
}
