import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** A connection to one Redis or to a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** Options for createRedisClient. */
export interface RedisClientOptions {
  /** Longest a command may wait for its reply before it fails (ms); hydrate has its own, shorter budget. */
  readonly commandTimeoutMs?: number;
}

/**
 * Connects to `url`: `redis://host:port[/db]` (or `rediss://`) for one server, or
 * `redis-cluster://host:port,host:port,...` for a Redis Cluster (any reachable nodes; the rest are
 * discovered). Commands are auto-pipelined (everything issued in one event-loop turn goes in one
 * write). While the connection is down, commands fail at once instead of queueing, so callers
 * degrade rather than pile up; the client reconnects by itself.
 */
export function createRedisClient(url: string, options: RedisClientOptions = {}): RedisClient {
  const common: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: options.commandTimeoutMs ?? 1000,
    retryStrategy: (times) => Math.min(20 * times, 500),
    lazyConnect: false,
  };
  if (url.startsWith('redis-cluster://')) {
    const nodes = url
      .slice('redis-cluster://'.length)
      .split(',')
      .filter((s) => s !== '')
      .map((hp) => {
        const i = hp.lastIndexOf(':');
        return { host: hp.slice(0, i), port: Number(hp.slice(i + 1)) };
      });
    return new Cluster(nodes, {
      enableAutoPipelining: true,
      // ioredis groups auto-pipelined commands by the slot of their first argument, which for
      // EVALSHA is the script's SHA, not a key: scripts go unpipelined, routed by their keys.
      autoPipeliningIgnoredCommands: ['evalsha', 'eval'],
      enableOfflineQueue: false,
      redisOptions: common,
      clusterRetryStrategy: (times) => Math.min(50 * times, 1000),
    });
  }
  return new Redis(url, { ...common, enableAutoPipelining: true });
}

/** Resolves true once `client` is ready, false after `ms` (it keeps trying in the background). */
export async function redisReady(client: RedisClient, ms: number): Promise<boolean> {
  if (client.status === 'ready') return true;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      resolve(ok);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    client.on('ready', onReady);
  });
}
