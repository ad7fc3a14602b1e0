/** A small HTTP client for the gateway, as a partner or the console would use it. */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class Api {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  withToken(token: string): Api {
    return new Api(this.baseUrl, token);
  }

  async login(email: string, password: string): Promise<Api> {
    const response = await this.request('POST', '/api/v1/auth/token', { email, password });
    if (response.status !== 200)
      throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
    return this.withToken(response.body.accessToken);
  }

  get<T = any>(path: string, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.request('GET', path, undefined, headers);
  }

  post<T = any>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    return this.request('POST', path, body, headers);
  }

  /** Sends `raw` as the body exactly as given (malformed JSON, oversize bodies). */
  async raw(
    method: string,
    path: string,
    raw: string,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> {
    return this.send(method, path, raw, { 'content-type': 'application/json', ...headers });
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    return this.send(method, path, body === undefined ? undefined : JSON.stringify(body), {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    });
  }

  private async send(
    method: string,
    path: string,
    body: string | undefined,
    headers: Record<string, string>,
  ) {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      body,
      headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...headers },
    });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }
}
