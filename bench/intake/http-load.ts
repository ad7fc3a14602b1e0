/**
 * Closed-loop HTTP load: C clients, each on its own kept-alive connection, each sending its next request as
 * soon as the previous one was answered. Latency is measured per request with `process.hrtime.bigint()`,
 * from just before the request is written to the end of the response body.
 */
import { Agent, request } from 'node:http';
import { msSince, summarise, type LatencySummary } from './stats';

export interface LoadResult {
  requests: number;
  accepted: number;
  /** Answers other than 201 by status, and transport failures by error code. */
  errors: Record<string, number>;
  seconds: number;
  acceptedPerSecond: number;
  /** Of the 201 answers only. */
  latency: LatencySummary;
  /** Of every answer, whatever its status. */
  latencyAll: LatencySummary;
  /** A few bodies of failed answers, to tell what went wrong. */
  errorSamples: string[];
}

export interface PostTarget {
  baseUrl: string;
  path: string;
  token: string;
  body: () => unknown;
}

interface Answer {
  status: number;
  body: string;
}

export class HttpLoad {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    private readonly target: PostTarget,
    maxSockets: number,
  ) {
    const url = new URL(target.baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  async run(concurrency: number, count: number): Promise<LoadResult> {
    const accepted = new Float64Array(count);
    const all = new Float64Array(count);
    const errors: Record<string, number> = {};
    const errorSamples: string[] = [];
    let next = 0;
    let nAccepted = 0;
    let nAll = 0;
    const worker = async () => {
      while (next < count) {
        next++;
        const payload = JSON.stringify(this.target.body());
        const start = process.hrtime.bigint();
        try {
          const answer = await this.post(payload);
          const ms = msSince(start);
          all[nAll++] = ms;
          if (answer.status === 201) {
            accepted[nAccepted++] = ms;
          } else {
            errors[String(answer.status)] = (errors[String(answer.status)] ?? 0) + 1;
            if (errorSamples.length < 5) errorSamples.push(`${answer.status} ${answer.body.slice(0, 300)}`);
          }
        } catch (error) {
          all[nAll++] = msSince(start);
          const code = (error as { code?: string }).code ?? (error as Error).name ?? 'error';
          errors[code] = (errors[code] ?? 0) + 1;
          if (errorSamples.length < 5) errorSamples.push(`${code} ${String((error as Error).message)}`);
        }
      }
    };
    const started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = msSince(started) / 1000;
    return {
      requests: count,
      accepted: nAccepted,
      errors,
      seconds,
      acceptedPerSecond: nAccepted / seconds,
      latency: summarise(accepted.subarray(0, nAccepted)),
      latencyAll: summarise(all.subarray(0, nAll)),
      errorSamples,
    };
  }

  close(): void {
    this.agent.destroy();
  }

  private post(payload: string): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          agent: this.agent,
          host: this.host,
          port: this.port,
          method: 'POST',
          path: this.target.path,
          headers: {
            authorization: `Bearer ${this.target.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}
