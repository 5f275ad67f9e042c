/**
 * The server's lifecycle: listening (with the "listening" log line), graceful shutdown that drains in-flight
 * requests, and the SIGTERM/SIGINT handling that runs it.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';

/** Where a server listens. */
export interface ListenAddress {
  /** TCP port; 0 picks a free one (see {@link StartedServer.address}). */
  readonly port: number;
  readonly host: string;
}

/** A listening server. */
export interface StartedServer {
  readonly server: http.Server;
  /** The bound address, with the actual port. */
  readonly address: AddressInfo;
  /** A URL a local client can use (a wildcard host is shown as loopback). */
  readonly url: string;
}

/** The longest a shutdown waits for in-flight requests before closing their connections. */
export const SHUTDOWN_GRACE_MS = 30_000;

/** `http://host:port`, with a wildcard host (0.0.0.0, ::) shown as loopback. */
export function displayUrl(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' || address.address === '' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${String(address.port)}`;
}

/** Makes `server` listen; resolves once listening (after logging the "listening" line). */
export function listen(server: http.Server, options: ListenAddress, log: Logger): Promise<StartedServer> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(options.port, options.host, () => {
      server.off('error', onError);
      // Accept errors (EMFILE...) after startup must not crash the process.
      server.on('error', (error: Error) => log.error('server error', { error }));
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('the server has no TCP address'));
        return;
      }
      const url = displayUrl(address);
      log.info('listening', { host: address.address, port: address.port, url });
      resolve({ server, address, url });
    });
  });
}

/**
 * Stops accepting connections, closes idle keep-alive connections, and waits for in-flight requests (whose answers
 * carry `Connection: close`). Resolves true when all finished, false when `graceMs` passed and the remaining
 * connections were closed.
 */
export function closeGracefully(server: http.Server, graceMs: number = SHUTDOWN_GRACE_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.closeAllConnections();
      resolve(false);
    }, graceMs);
    server.close(() => {
      clearTimeout(timer);
      resolve(true);
    });
    server.closeIdleConnections();
  });
}

/**
 * On SIGTERM or SIGINT: shuts down gracefully, runs `cleanup`, and exits 0 (1 when in-flight requests had to be cut
 * off). A second signal exits at once.
 */
export function exitOnSignals(server: http.Server, log: Logger, cleanup: () => Promise<void> = async () => {}): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    stopping = true;
    log.info('shutting down', { signal });
    closeGracefully(server)
      .then(async (clean) => {
        await cleanup().catch((error: unknown) => log.warn('cleanup failed', { error }));
        log.info('stopped', { clean });
        process.exit(clean ? 0 : 1);
      })
      .catch(() => process.exit(1));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
