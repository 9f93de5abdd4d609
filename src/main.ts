import { bindGrpc, buildService, drain, loadConfig } from './server/index.js';

/** Starts the service: the only place that listens and handles signals. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  const service = await buildService(config);
  const log = service.http.log;
  if (config.tokenKeyIsDefault) {
    log.warn('RISK_TOKEN_KEY is not set: using the built-in development key; tokens are not secret');
  }
  await service.http.listen({ host: config.host, port: config.httpPort });
  const bound = service.http.server.address();
  const httpPort = typeof bound === 'object' && bound !== null ? bound.port : config.httpPort;
  const grpcPort = await bindGrpc(service.grpc.server, config.host, config.grpcPort);
  service.setReady(true);
  log.info(
    {
      httpPort,
      grpcPort,
      bundle: service.engine.bundle.version,
      model: service.engine.bundle.model?.version,
      modelRuntime: service.engine.bundle.model?.runtime,
    },
    'risk decision service ready',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'already draining');
      return;
    }
    stopping = true;
    const { drainGraceMs, shutdownTimeoutMs } = config;
    log.info({ signal, drainGraceMs, shutdownTimeoutMs }, 'draining');
    const draining = drain(service, { graceMs: drainGraceMs, log });
    const deadline = setTimeout(() => {
      log.error(
        { phase: draining.phase(), shutdownTimeoutMs },
        'shutdown deadline passed; forcing the remaining connections closed',
      );
      draining.force();
      process.exit(1);
    }, shutdownTimeoutMs);
    draining.done.then(
      () => {
        clearTimeout(deadline);
        log.info('drained; exiting');
        process.exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'error while draining');
        process.exit(1);
      },
    );
  };
  if (service.adminLoopbackOnly)
    log.warn('RISK_ADMIN_KEYS is not set: the admin API (/admin/v1) answers loopback callers only');
  // SIGHUP reloads the bundle directory (with DATABASE_URL: reads the head again); a bad bundle is
  // rejected and the old one keeps serving.
  process.on('SIGHUP', () => {
    service.control.reload('sighup').then(
      (version) => log.info({ version }, 'SIGHUP: bundle reloaded'),
      (err: unknown) => log.warn({ err }, 'SIGHUP: bundle rejected; the old bundle keeps serving'),
    );
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  console.error('failed to start:', err);
  process.exit(1);
});
