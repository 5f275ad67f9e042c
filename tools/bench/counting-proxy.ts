/**
 * A loopback TCP relay in front of a server that counts the connections made through it (how many new TCP
 * connections a client opened) and can close every relayed connection at once.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface CountingProxy {
  readonly url: string;
  /** Connections accepted so far. */
  connections(): number;
  /** Closes every open relayed connection (as a server's idle timeout would). */
  dropAll(): void;
  stop(): Promise<void>;
}

export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  let count = 0;
  const open = new Set<Socket>();
  const server = createServer((client) => {
    count += 1;
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    dropAll: () => {
      for (const s of open) s.destroy();
    },
    stop: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
