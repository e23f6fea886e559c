import Fastify, { FastifyInstance } from 'fastify';

/** Parses `:8080`, `127.0.0.1:8080` or `0` (disabled) into a host and port. */
export function parseBindAddress(flag: string, value: string): { host: string; port: number } | undefined {
  if (value === '0') return undefined;
  const i = value.lastIndexOf(':');
  const host = i <= 0 ? '0.0.0.0' : value.slice(0, i);
  const port = Number(value.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${flag} '${value}' must be [host]:port, e.g. ':8080', or '0' to disable`);
  }
  return { host, port };
}

/** Starts a small HTTP server with the given plain-text routes; resolves once listening. */
export async function startHttpServer(
  address: { host: string; port: number },
  routes: Record<string, () => Promise<{ status: number; body: string; contentType?: string }>>,
): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  for (const [path, handler] of Object.entries(routes)) {
    app.get(path, async (_req, reply) => {
      const { status, body, contentType } = await handler();
      return reply.code(status).type(contentType ?? 'text/plain; charset=utf-8').send(body);
    });
  }
  await app.listen({ host: address.host, port: address.port });
  return app;
}
