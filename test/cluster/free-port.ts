import * as net from 'node:net';

/**
 * Asks the kernel for a currently free TCP port on 127.0.0.1.
 *
 * The port is released before it is returned, so another process may grab it
 * before our server binds it. The control plane harness therefore retries the
 * whole start when a server reports `address already in use`.
 *
 * @returns a port number in the ephemeral range.
 */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port;
}

/**
 * Returns `count` distinct free ports on 127.0.0.1.
 *
 * All probe sockets are held open until every port is known, so the kernel
 * cannot hand out the same port twice within one call.
 *
 * @param count how many ports are needed.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      server.unref();
      servers.push(server);
      ports.push(await new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
          const address = server.address();
          if (address === null || typeof address === 'string') {
            reject(new Error(`unexpected listen address: ${String(address)}`));
            return;
          }
          resolve(address.port);
        });
      }));
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}
