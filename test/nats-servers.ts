import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, connect as tcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

/**
 * The machine's NATS with JetStream, which the JetStream sink's tests need: they fail, never skip,
 * without it (.ci/run starts it).
 */
export const SHARED_NATS_URL = process.env.RISK_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

/** A subject prefix and stream name of this test run's own, so runs sharing the server never meet. */
export function uniqueNatsNames(name: string): { prefix: string; stream: string } {
  const id = `${name}_${process.pid}_${Date.now().toString(36)}`;
  return { prefix: `risktest.${id}`, stream: `RISKTEST_${id}`.toUpperCase() };
}

/** Deletes a test stream (gone already is fine). */
export async function deleteStream(stream: string, url = SHARED_NATS_URL): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch(() => undefined);
  } finally {
    await nc.close();
  }
}

/**
 * Reads up to `max` messages of `stream` matching `filter` as a separate consumer would: its own
 * connection and a durable pull consumer (created if missing), acking each message.
 */
export async function readStream(
  stream: string,
  filter: string,
  max: number,
  url = SHARED_NATS_URL,
): Promise<{ subject: string; msgId: string | undefined; body: Record<string, unknown> }[]> {
  const nc: NatsConnection = await connect({ servers: url, name: 'risk-test-reader' });
  try {
    const jsm = await jetstreamManager(nc);
    const durable = `reader_${filter.replace(/[^A-Za-z0-9]/g, '_')}`.slice(0, 64);
    await jsm.consumers.add(stream, {
      durable_name: durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: filter,
    });
    const consumer = await jetstream(nc).consumers.get(stream, durable);
    const out: { subject: string; msgId: string | undefined; body: Record<string, unknown> }[] = [];
    while (out.length < max) {
      const batch = await consumer.fetch({ max_messages: max - out.length, expires: 1000 });
      let got = 0;
      for await (const m of batch as AsyncIterable<JsMsg>) {
        got++;
        out.push({ subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id'), body: m.json() });
        m.ack();
      }
      if (got === 0) break;
    }
    return out;
  } finally {
    await nc.close();
  }
}

/** A free TCP port on loopback (listened on and released). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A nats-server of the test's own (JetStream, store in a temporary directory), to stop and start again. */
export interface OwnNats {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops it and removes its store. */
  dispose(): Promise<void>;
}

/** Creates (not starts) a nats-server on a free port; /usr/sbin/nats-server unless NATS_SERVER names another. */
export async function ownNats(): Promise<OwnNats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'risk-nats-'));
  let child: ChildProcess | undefined;
  const up = async () => {
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => {
        const c = tcp(port, '127.0.0.1');
        c.on('connect', () => {
          c.destroy();
          r(true);
        });
        c.on('error', () => r(false));
      });
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`nats-server on ${port} did not start`);
  };
  const stop = async () => {
    const c = child;
    child = undefined;
    if (c === undefined || c.exitCode !== null) return;
    await new Promise<void>((r) => {
      c.once('exit', () => r());
      c.kill('SIGKILL');
    });
  };
  return {
    url: `nats://127.0.0.1:${port}`,
    async start() {
      child = spawn(
        process.env.NATS_SERVER ?? '/usr/sbin/nats-server',
        ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', dir],
        { stdio: 'ignore' },
      );
      await up();
    },
    stop,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
