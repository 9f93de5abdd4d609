import type * as grpc from '@grpc/grpc-js';

/** The one method of a grpc-js server that grpc-health-check's addToServer calls. */
type ServiceAdder = Pick<grpc.Server, 'addService'>;

/** The open grpc.health.v1 Watch streams of a server. */
export interface HealthWatches {
  /** What to hand grpc-health-check's addToServer in place of the server itself. */
  readonly server: ServiceAdder;
  /** Ends every open Watch with OK; each has been sent the latest status already. */
  endAll(): void;
}

/**
 * Tracks health Watch streams. They never end on their own, and grpc-js tryShutdown waits for every
 * stream, so one watching client (a proxy, a client with health checking) would otherwise hold a
 * drain open until its deadline.
 */
export function healthWatches(server: grpc.Server): HealthWatches {
  const open = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  return {
    server: {
      addService(definition, implementation) {
        const watch = implementation.watch as grpc.handleServerStreamingCall<unknown, unknown> | undefined;
        if (watch === undefined) return server.addService(definition, implementation);
        const tracked: grpc.handleServerStreamingCall<unknown, unknown> = (call) => {
          open.add(call);
          call.once('cancelled', () => open.delete(call));
          watch(call);
        };
        server.addService(definition, { ...implementation, watch: tracked as grpc.UntypedHandleCall });
      },
    },
    endAll() {
      for (const call of open) call.end();
      open.clear();
    },
  };
}
