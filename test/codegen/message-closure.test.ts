import { create, createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import {
  FieldDescriptorProto_Label,
  FieldDescriptorProto_Type,
  FileDescriptorProtoSchema,
} from '@bufbuild/protobuf/wkt';
import { describe, expect, it } from 'vitest';
import { checkSupported, closure } from '../../scripts/protoc-gen-risk-codec/message-closure.js';
import { DecideRequestSchema, DecideResponseSchema } from '../../src/gen/risk/v1/risk_pb.js';

// The plugin refuses, at generation time and naming the field, what its generated code does not
// implement, instead of emitting code that would decode it wrongly or fall back to reflection.

const { OPTIONAL } = FieldDescriptorProto_Label;
const { STRING, MESSAGE } = FieldDescriptorProto_Type;

function messages(): Map<string, DescMessage> {
  const file = create(FileDescriptorProtoSchema, {
    name: 'x/v1/x.proto',
    package: 'x.v1',
    syntax: 'proto3',
    messageType: [
      {
        name: 'WithOneof',
        field: [{ name: 'a', number: 1, label: OPTIONAL, type: STRING, jsonName: 'a', oneofIndex: 0 }],
        oneofDecl: [{ name: 'choice' }],
      },
      {
        name: 'Node',
        field: [
          {
            name: 'next',
            number: 1,
            label: OPTIONAL,
            type: MESSAGE,
            typeName: '.x.v1.Node',
            jsonName: 'next',
          },
        ],
      },
      {
        name: 'Holder',
        field: [
          {
            name: 'node',
            number: 1,
            label: OPTIONAL,
            type: MESSAGE,
            typeName: '.x.v1.Node',
            jsonName: 'node',
          },
        ],
      },
    ],
  });
  const registry = createFileRegistry(file, () => undefined);
  const out = new Map<string, DescMessage>();
  for (const name of ['WithOneof', 'Node', 'Holder']) {
    const m = registry.getMessage(`x.v1.${name}`);
    if (m !== undefined) out.set(name, m);
  }
  return out;
}

describe('protoc-gen-risk-codec message closure', () => {
  it('lists the service messages with their dependencies first, each once', () => {
    const names = closure([DecideRequestSchema]).map((m) => m.typeName);
    expect(names.at(-1)).toBe('risk.v1.DecideRequest');
    expect(names.indexOf('risk.v1.Card')).toBeLessThan(names.indexOf('risk.v1.Payment'));
    expect(names.indexOf('google.protobuf.Timestamp')).toBeLessThan(names.indexOf('risk.v1.Event'));
    expect(new Set(names).size).toBe(names.length);
    for (const m of closure([DecideRequestSchema, DecideResponseSchema]))
      expect(() => checkSupported(m)).not.toThrow();
  });

  it('refuses a oneof, naming the message', () => {
    const m = messages().get('WithOneof') as DescMessage;
    expect(() => checkSupported(m)).toThrow('x.v1.WithOneof: oneof is not supported');
  });

  it('refuses a recursive message, naming the field', () => {
    const m = messages().get('Holder') as DescMessage;
    expect(() => closure([m])).toThrow('x.v1.Node.next: recursive message x.v1.Node is not supported');
  });
});
