import { createServer, connect, type AddressInfo, type Socket } from 'node:net';

/**
 * What an armed proxy does to the connection whose client sends a matching chunk:
 * - `drop-before`: the chunk never reaches Postgres; both sockets are reset (the client sees ECONNRESET).
 * - `drop-answer`: the chunk reaches Postgres; once Postgres has answered all of it (its ReadyForQuery),
 *   both sockets are reset without the answer reaching the client: the work was done, the client cannot
 *   know (a COMMIT that committed, its answer lost).
 */
export type ProxyFault = 'drop-before' | 'drop-answer';

/**
 * A TCP proxy on loopback in front of Postgres, for tests of connections that fail at a chosen moment.
 * Every connection is forwarded untouched until `arm` picks one by what its client sends.
 */
export class PgProxy {
  private armed?: { match: (chunk: string) => boolean; fault: ProxyFault };
  private readonly sockets = new Set<Socket>();
  /** How many times an armed fault was applied. */
  fired = 0;

  private readonly server = createServer((client) => this.forward(client));

  private constructor(private readonly target: URL) {}

  /** Starts a proxy to the host and port of `databaseUrl`. */
  static async start(databaseUrl: string): Promise<PgProxy> {
    const proxy = new PgProxy(new URL(databaseUrl));
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `databaseUrl` through this proxy. */
  url(databaseUrl: string): string {
    const url = new URL(databaseUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.port);
    return url.toString();
  }

  /** The next chunk a client sends for which `match` (on its bytes as latin1 text) is true gets `fault`, once. */
  arm(match: (chunk: string) => boolean, fault: ProxyFault): void {
    this.armed = { match, fault };
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    const server = connect(Number(this.target.port || 5432), this.target.hostname);
    this.sockets.add(client).add(server);
    let doomed = false;
    let answer = Buffer.alloc(0);
    const reset = () => {
      client.resetAndDestroy();
      server.resetAndDestroy();
    };
    client.on('data', (chunk: Buffer) => {
      const armed = this.armed;
      if (armed && armed.match(chunk.toString('latin1'))) {
        this.armed = undefined;
        this.fired++;
        if (armed.fault === 'drop-before') return reset();
        doomed = true;
      }
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (!doomed) return void client.write(chunk);
      // Held back until Postgres has answered everything it was sent: ReadyForQuery ('Z', length 5, status)
      // ends the answer to the last Sync.
      answer = Buffer.concat([answer, chunk]);
      const end = answer.subarray(-6);
      if (end.length === 6 && end[0] === 0x5a && end.readInt32BE(1) === 5) reset();
    });
    const close = () => {
      this.sockets.delete(client);
      this.sockets.delete(server);
      client.destroy();
      server.destroy();
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', close);
  }
}
