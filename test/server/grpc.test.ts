import { createRequire } from 'node:module';
import {
  create,
  createFileRegistry,
  fromBinary,
  fromJson,
  type JsonValue,
  toBinary,
  toJson,
} from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DecideRequestSchema, Decision, EventType } from '../../src/gen/risk/v1/risk_pb.js';
import type { Service } from '../../src/server/app.js';
import { bindGrpc } from '../../src/server/grpc.js';
import { ACCEPTANCE_REQUEST, testService } from '../helpers.js';
import { decideClient } from './grpc-client.js';

const require = createRequire(import.meta.url);

let service: Service;
let port: number;
let client: ReturnType<typeof decideClient>;
beforeEach(async () => {
  service = await testService();
  port = await bindGrpc(service.grpc.server, '127.0.0.1', 0);
  client = decideClient(port);
});
afterEach(async () => {
  client.close();
  await service.close();
});

const acceptance = () => fromJson(DecideRequestSchema, ACCEPTANCE_REQUEST);

describe('gRPC Decide on a real port', () => {
  it('gives the same decision as REST for the acceptance event', async () => {
    const viaGrpc = await client.decide(acceptance());
    const other = await testService();
    try {
      const viaRest = (
        await other.http.inject({ method: 'POST', url: '/v1/decisions', payload: ACCEPTANCE_REQUEST })
      ).json();
      expect(Decision[viaGrpc.decision]).toBe(viaRest.decision);
      expect(viaGrpc.score).toBeCloseTo(viaRest.score, 6);
      expect(viaGrpc.reasons.map((r) => r.code)).toEqual(
        viaRest.reasons.map((r: { code: string }) => r.code),
      );
      expect(viaGrpc.bundleVersion).toBe(viaRest.bundleVersion);
      expect(viaGrpc.modelVersion).toBe(viaRest.modelVersion);
      expect(viaGrpc.modelVersion).not.toBe('');
    } finally {
      await other.close();
    }
  });

  const invalid = async (req: Parameters<typeof client.decide>[0], raw?: Buffer) => {
    const err = (await client.decide(req, raw ? { raw } : {}).catch((e: unknown) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    return err;
  };

  it('answers INVALID_ARGUMENT naming a missing event_id', async () => {
    const req = acceptance();
    if (req.event) req.event.eventId = '';
    const err = await invalid(req);
    expect(err.details).toContain('event.event_id');
    expect(err.metadata.get('risk-error-code')).toEqual(['RISK_ERR_INPUT_INVALID']);
  });

  it('answers INVALID_ARGUMENT for an unspecified or unknown enum value', async () => {
    const req = acceptance();
    if (req.event) req.event.type = 99 as EventType;
    expect((await invalid(req)).details).toContain('event.type');
    if (req.event) req.event.type = EventType.EVENT_TYPE_UNSPECIFIED;
    expect((await invalid(req)).details).toContain('event.type');
  });

  it('answers INVALID_ARGUMENT for bytes that are not a DecideRequest', async () => {
    const err = await invalid(acceptance(), Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
    expect(err.details).toContain('RISK_ERR_INPUT_MALFORMED');
  });

  it('answers a catalogued INVALID_ARGUMENT, never a raw reader error, for random and truncated bytes', async () => {
    const valid = Buffer.from(toBinary(DecideRequestSchema, acceptance()));
    const inputs = [
      ...Array.from({ length: valid.length }, (_, i) => valid.subarray(0, i)),
      ...fc
        .sample(fc.uint8Array({ minLength: 1, maxLength: 64 }), { numRuns: 150, seed: 7 })
        .map((b) => Buffer.from(b)),
    ];
    // Doubles and fixed-width fields cut short are what used to leak DataView's RangeError text.
    inputs.push(Buffer.from([0x0a, 0x05, 0x42, 0x03, 0x11, 1, 2]));
    for (const raw of inputs) {
      const r = await client.decide(acceptance(), { raw }).then(
        () => undefined,
        (e: unknown) => e as grpc.ServiceError,
      );
      if (r === undefined) continue; // bytes that happen to be a valid request
      expect(r.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(['RISK_ERR_INPUT_MALFORMED', 'RISK_ERR_INPUT_INVALID']).toContain(
        r.metadata.get('risk-error-code')[0],
      );
      expect(r.details).not.toMatch(/DataView|RangeError|premature EOF|Offset is outside/);
    }
    const cut = (await client
      .decide(acceptance(), { raw: Buffer.from([0x0a, 0x05, 0x42, 0x03, 0x11, 1, 2]) })
      .catch((e: unknown) => e)) as grpc.ServiceError;
    expect(cut.details).toBe(
      'RISK_ERR_INPUT_MALFORMED: request is not a valid risk.v1.DecideRequest: event.device.confidence: truncated: the input ends inside this field',
    );
    expect(cut.metadata.get('risk-field-violation')).toEqual([
      'event.device.confidence: truncated: the input ends inside this field',
    ]);
    expect((await client.decide(acceptance())).eventId).toBe('evt-0001');
  });

  it('answers INVALID_ARGUMENT for a message over the size limit', async () => {
    const req = acceptance();
    if (req.event) req.event.attributes = { blob: 'x'.repeat(70_000) };
    const err = await invalid(req);
    expect(err.details).toContain('RISK_ERR_INPUT_TOO_LARGE');
  });

  it('respects an expired deadline', async () => {
    const err = (await client
      .decide(acceptance(), { deadline: new Date(Date.now() - 1) })
      .catch((e: unknown) => e)) as grpc.ServiceError;
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    // Still serving afterwards.
    expect((await client.decide(acceptance())).eventId).toBe('evt-0001');
  });

  it('serves grpc.health.v1', async () => {
    const def = loadSync(require.resolve('grpc-health-check/proto/health/v1/health.proto'), {
      enums: String,
    });
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      grpc: { health: { v1: { Health: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } } };
    };
    const health = new pkg.grpc.health.v1.Health(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    ) as grpc.Client & {
      check(req: { service: string }, cb: (e: grpc.ServiceError | null, r: { status: string }) => void): void;
    };
    const check = (service: string) =>
      new Promise<string>((resolve, reject) =>
        health.check({ service }, (e, r) => (e ? reject(e) : resolve(r.status))),
      );
    expect(await check('risk.v1.DecisionService')).toBe('SERVING');
    service.setReady(false);
    expect(await check('')).toBe('NOT_SERVING');
    health.close();
  });

  it('answers a client that knows nothing but server reflection', async () => {
    const def = loadSync(
      require.resolve('@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto'),
      {
        keepCase: true,
      },
    );
    const pkg = grpc.loadPackageDefinition(def) as unknown as {
      grpc: {
        reflection: { v1: { ServerReflection: new (a: string, c: grpc.ChannelCredentials) => grpc.Client } };
      };
    };
    const refl = new pkg.grpc.reflection.v1.ServerReflection(
      `127.0.0.1:${port}`,
      grpc.credentials.createInsecure(),
    ) as grpc.Client & {
      ServerReflectionInfo(): grpc.ClientDuplexStream<Record<string, unknown>, Record<string, unknown>>;
    };
    const ask = (req: Record<string, unknown>) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const stream = refl.ServerReflectionInfo();
        stream.on('data', (d) => {
          resolve(d);
          stream.end();
        });
        stream.on('error', reject);
        stream.write(req);
      });
    const services = (await ask({ list_services: '' })) as {
      list_services_response: { service: { name: string }[] };
    };
    const names = services.list_services_response.service.map((s) => s.name);
    expect(names).toContain('risk.v1.DecisionService');
    expect(names).toContain('grpc.health.v1.Health');

    const files = (await ask({ file_containing_symbol: 'risk.v1.DecisionService' })) as {
      file_descriptor_response: { file_descriptor_proto: Buffer[] };
    };
    let protos = files.file_descriptor_response.file_descriptor_proto.map((b) =>
      fromBinary(FileDescriptorProtoSchema, b),
    );
    // Reflection may return only the file itself; fetch its dependencies by name as grpcurl does.
    for (const dep of protos.flatMap((p) => p.dependency)) {
      if (protos.some((p) => p.name === dep)) continue;
      const more = (await ask({ file_by_filename: dep })) as typeof files;
      protos = [
        ...protos,
        ...more.file_descriptor_response.file_descriptor_proto.map((b) =>
          fromBinary(FileDescriptorProtoSchema, b),
        ),
      ];
    }
    refl.close();
    // A descriptor set lists dependencies before the files that import them.
    const ordered = [...protos].sort((a, b) => a.dependency.length - b.dependency.length);
    const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
    const reqDesc = registry.getMessage('risk.v1.DecideRequest');
    const resDesc = registry.getMessage('risk.v1.DecideResponse');
    expect(reqDesc && resDesc).toBeTruthy();
    if (!reqDesc || !resDesc) return;
    const dyn = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const out = await new Promise<JsonValue>((resolve, reject) =>
      dyn.makeUnaryRequest(
        '/risk.v1.DecisionService/Decide',
        (m: Uint8Array) => Buffer.from(m),
        (b: Buffer) => toJson(resDesc, fromBinary(resDesc, b)),
        toBinary(reqDesc, fromJson(reqDesc, ACCEPTANCE_REQUEST)),
        (e, r) => (e ? reject(e) : resolve(r as JsonValue)),
      ),
    );
    dyn.close();
    const body = out as Record<string, unknown>;
    expect(body.eventId).toBe('evt-0001');
    expect(['ALLOW', 'REVIEW', 'BLOCK', 'CHALLENGE']).toContain(body.decision);
    expect(String(body.modelVersion)).toMatch(/^gbdt-/);
  });
});
