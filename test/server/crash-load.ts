import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { luhnCheckDigit } from '../../src/domain/index.js';
import { type ServiceProcess, spawnService } from './spawn-service.js';

/** A decision a client was told about. */
export interface Ack {
  readonly eventId: string;
  readonly card: number;
  readonly decisionId: string;
  readonly at: number;
}

/** What the clients saw of a load run. */
export interface LoadResult {
  /** Answered with a decision (status 200). */
  readonly acks: Ack[];
  /** Sent but never answered (the process died, or the connection closed first), per card. */
  readonly unanswered: number[];
}

/** A valid PAN for card c (Luhn check digit). */
export function cardNumber(c: number): string {
  const body = `400000${String(c).padStart(9, '0')}`;
  return `${body}${luhnCheckDigit(body)}`;
}

/** The REST body of a payment of card c. */
export function paymentBody(eventId: string, c: number): string {
  return JSON.stringify({
    event: {
      eventId,
      type: 'PAYMENT',
      account: { id: `acct-${c}` },
      payment: { amountMinor: 1000 + c, currency: 'USD', card: { number: cardNumber(c), country: 'US' } },
      network: { ip: `198.51.100.${c}` },
      device: { id: `dev-${c}` },
    },
  });
}

/** One POST /v1/decisions; resolves with status and body, rejects on a connection error. */
export function post(
  port: number,
  body: string,
  query = '',
  agent?: http.Agent,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: `/v1/decisions${query}`,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        ...(agent ? { agent } : {}),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timed out')));
    req.end(body);
  });
}

/**
 * `clients` loops, each on its own kept-alive connection, send payments of random cards among
 * `cards` until `stop()` is true or a request fails; every answered decision is recorded.
 */
export async function runLoad(
  port: number,
  opts: { cards: number; clients: number; prefix: string; stop: () => boolean },
): Promise<LoadResult> {
  const acks: Ack[] = [];
  const unanswered = new Array<number>(opts.cards).fill(0);
  const loop = async (k: number): Promise<void> => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let n = 0; !opts.stop(); n++) {
        const card = (k * 7 + n * 13 + ((n * n) % 5)) % opts.cards;
        const eventId = `${opts.prefix}-${k}-${n}`;
        let res: { status: number; body: string };
        try {
          res = await post(port, paymentBody(eventId, card), '', agent);
        } catch {
          unanswered[card] = (unanswered[card] as number) + 1;
          return;
        }
        if (res.status !== 200) throw new Error(`status ${res.status}: ${res.body}`);
        const r = JSON.parse(res.body) as { decisionId: string; eventId: string };
        if (r.eventId !== eventId) throw new Error(`answer for ${r.eventId}, sent ${eventId}`);
        acks.push({ eventId, card, decisionId: r.decisionId, at: performance.now() });
      }
    } finally {
      agent.destroy();
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, (_, k) => loop(k)));
  return { acks, unanswered };
}

/** card.count_24h of card c as a fresh probe event sees it (the probe counts only after it). */
export async function cardCount(port: number, c: number, probeId: string): Promise<number> {
  const res = await post(port, paymentBody(probeId, c), '?features=true');
  if (res.status !== 200) throw new Error(`probe: status ${res.status}: ${res.body}`);
  const f = (JSON.parse(res.body) as { features: Record<string, number> }).features;
  const v = f['card.count_24h'];
  if (v === undefined) throw new Error('probe: no card.count_24h');
  return v;
}

/** Acknowledged events per card. */
export function acksPerCard(acks: readonly Ack[], cards: number): number[] {
  const n = new Array<number>(cards).fill(0);
  for (const a of acks) n[a.card] = (n[a.card] as number) + 1;
  return n;
}

/** Starts the service on `dataDir`; the ready line comes after recovery. */
export function startOn(dataDir: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  return spawnService({ DATA_DIR: dataDir, LOG_LEVEL: 'info', RISK_DRAIN_GRACE_MS: '200', ...env });
}

/** Load for `ms`, then SIGKILL while it is still running; resolves once the process is gone. */
export async function loadThenKill(
  svc: ServiceProcess,
  opts: { cards: number; clients: number; prefix: string; ms: number },
): Promise<LoadResult & { killedAt: number }> {
  let killedAt = 0;
  const load = runLoad(svc.httpPort, { ...opts, stop: () => false });
  await sleep(opts.ms);
  killedAt = performance.now();
  svc.child.kill('SIGKILL');
  await svc.exited;
  return { ...(await load), killedAt };
}
