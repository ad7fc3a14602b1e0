import type { CallerCredentials } from '@closeloop/messaging';
import type { Caller } from '@closeloop/contracts';

/** A signed caller is fetched again when less than this is left of it (a command may outlive one). */
const REFRESH_MARGIN_MS = 15_000;

export interface SessionOptions {
  gatewayUrl: string;
  /** A bearer token from POST /api/v1/auth/token, or an e-mail and password to get one. */
  accessToken?: string;
  email?: string;
  password?: () => Promise<string>;
}

/**
 * The operator CLI's identity (issue 14.3): it logs in to the gateway as a real user and asks it for the
 * signed caller the services accept (`POST /api/v1/auth/caller-token`), fetching a new one before the
 * current one expires. The services authorize that user as they would through the HTTP API; the CLI holds
 * no signing key and no identity of its own.
 */
export class GatewaySession implements CallerCredentials {
  private accessToken?: string;
  private current?: { token: string; caller: Caller; refreshAtMs: number };
  private refreshing?: Promise<{ token: string; caller: Caller }>;

  constructor(private readonly options: SessionOptions) {
    this.accessToken = options.accessToken;
  }

  /** Logs in (if no token was given) and fetches the first signed caller; returns who the CLI acts as. */
  async start(): Promise<Caller> {
    if (!this.accessToken) {
      if (!this.options.email || !this.options.password) {
        throw new SessionError('log in with --email (or CLOSELOOP_EMAIL) or set CLOSELOOP_TOKEN');
      }
      const body = await this.post('/api/v1/auth/token', {
        email: this.options.email,
        password: await this.options.password(),
      });
      this.accessToken = String(body.accessToken);
    }
    return (await this.refresh()).caller;
  }

  async tokenFor(): Promise<string> {
    if (this.current && this.current.refreshAtMs > Date.now()) return this.current.token;
    return (await this.refresh()).token;
  }

  private refresh(): Promise<{ token: string; caller: Caller }> {
    this.refreshing ??= this.post('/api/v1/auth/caller-token', undefined)
      .then((body) => {
        const token = String(body.callerToken);
        const caller = body.caller as Caller;
        const expiresIn = Number(body.expiresIn);
        this.current = { token, caller, refreshAtMs: Date.now() + expiresIn * 1000 - REFRESH_MARGIN_MS };
        return { token, caller };
      })
      .finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async post(path: string, body: object | undefined): Promise<Record<string, unknown>> {
    const url = new URL(path, this.options.gatewayUrl);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: {
          ...(body ? { 'content-type': 'application/json' } : {}),
          ...(this.accessToken ? { authorization: `Bearer ${this.accessToken}` } : {}),
        },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch (error) {
      throw new SessionError(
        `the gateway at ${url.origin} could not be reached: ${(error as Error).message}`,
      );
    }
    const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (!response.ok) {
      // problem+json (decision 0004): `code` and `detail` are strings.
      const code = typeof answer.code === 'string' ? answer.code : String(response.status);
      const detail = typeof answer.detail === 'string' ? answer.detail : 'refused by the gateway';
      throw new SessionError(`${code}: ${detail}`);
    }
    return answer;
  }
}

/** A login or token problem, printed as one line (no stack). */
export class SessionError extends Error {}

/** Reads a password from the terminal without echoing it. */
export function promptPassword(question: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    return Promise.reject(new SessionError('no terminal to ask for the password: set CLOSELOOP_PASSWORD'));
  }
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let password = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (error?: Error) => {
      input.setRawMode(false);
      input.pause();
      input.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(password);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done();
        if (char === '\u0003') return done(new SessionError('cancelled'));
        if (char === '\u007f' || char === '\b') password = password.slice(0, -1);
        else password += char;
      }
    };
    input.on('data', onData);
  });
}
