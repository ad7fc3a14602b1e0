import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface NatsServerOptions {
  /** A nats-server config file (accounts, permissions); the port and store directory are the test's. */
  configFile?: string;
  /** Environment for the config's `$VARIABLE`s (passwords). */
  env?: Record<string, string>;
}

/**
 * A private nats-server with JetStream for a test that kills and restarts the broker. Same port and store
 * directory across restarts, as a crashed broker coming back would have.
 */
export class NatsServerProcess {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    readonly port: number,
    readonly storeDir: string,
    private readonly options: NatsServerOptions = {},
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  static async start(options: NatsServerOptions = {}): Promise<NatsServerProcess> {
    const server = new NatsServerProcess(
      await freePort(),
      mkdtempSync(join(tmpdir(), 'closeloop-nats-')),
      options,
    );
    await server.spawn();
    return server;
  }

  /** Starts the process and resolves once it logs that it is ready (fails on exit or after 10 s). */
  private spawn(): Promise<void> {
    const config = this.options.configFile ? ['-c', this.options.configFile] : [];
    // Flags override the config file: the port and store directory stay the test's own.
    const child = spawn(
      NATS_SERVER,
      [...config, '-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.storeDir],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...this.options.env },
      },
    );
    this.child = child;
    this.output = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('nats-server did not become ready in 10 s')), 10_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(new Error(`${error.message}\n${this.output.slice(-2000)}`));
      };
      const onData = (chunk: Buffer) => {
        this.output += chunk.toString('utf8');
        if (this.output.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', fail);
      child.once('exit', (code, signal) => fail(new Error(`nats-server exited (${code ?? signal})`)));
    });
  }

  /** Kills the broker without letting it flush anything (a crash). */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    await exited;
  }

  /** Deletes what JetStream stored (streams, consumers): a broker that crashed before flushing to disk. */
  async loseStore(): Promise<void> {
    await this.kill('SIGKILL');
    rmSync(join(this.storeDir, 'jetstream'), { recursive: true, force: true });
  }

  /** A new process on the same port and store directory, after `kill()`. */
  async restart(): Promise<void> {
    await this.kill('SIGKILL');
    await this.spawn();
  }

  async stop(): Promise<void> {
    await this.kill('SIGKILL');
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
