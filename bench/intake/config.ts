/** Bench settings from argv (`--name value` or `--name=value`) or the environment (BENCH_NAME). */

export type RoutingMode = 'after' | 'during' | 'off';

export interface BenchConfig {
  /** Concurrent clients; one measured level each. */
  concurrency: number[];
  /** Measured requests per level. */
  requests: number;
  /** Requests sent once before the first level and not counted (JIT, pools, caches). */
  warmup: number;
  /** Share of requests from a customer (phone) already seen in this run. */
  returning: number;
  /** Connections in intake's pool (the harness's PG_POOL_SIZE) and so in the floor's. */
  poolSize: number;
  /** Floor: JetStream publishes awaiting their ack at most (the relay's batch size). */
  maxInFlight: number;
  /** Which phases run. */
  platform: boolean;
  floor: boolean;
  /** Ask Postgres for a CHECKPOINT before each measured level, so a checkpoint rarely lands inside one. */
  checkpoint: boolean;
  /** Profile the services (V8 sampling profiler) over the measured levels; costs some throughput. */
  profile: boolean;
  /**
   * When routing (which consumes feedback.received.v1 and opens tickets) runs: `after` each measured level,
   * with the machine to itself, so the level measures the accept path as the floor does (nothing consumes
   * the floor's events either) and routing's own rate is measured on the backlog; `during` the level, the
   * whole walk sharing the cores; or `off`.
   */
  routing: RoutingMode;
  resultsDir: string | undefined;
}

const HELP = `npm run bench:intake -- [options]    (or node dist/bench/intake/main.js [options])
  --concurrency 16,32,64   concurrent clients, one measured level each   (BENCH_CONCURRENCY, default 32)
  --requests 20000         measured requests per level                   (BENCH_REQUESTS)
  --warmup 500             requests before the first level, not counted  (BENCH_WARMUP)
  --returning 0.2          share of requests from a returning customer   (BENCH_RETURNING)
  --pool-size 8            intake's and the floor's Postgres pool size   (BENCH_POOL_SIZE)
  --max-in-flight 256      floor: unacknowledged JetStream publishes      (BENCH_MAX_IN_FLIGHT)
  --only platform|floor    run one phase only                            (BENCH_ONLY)
  --no-checkpoint          do not CHECKPOINT before each level           (BENCH_CHECKPOINT=0)
  --profile                CPU-profile the services over the measured levels (BENCH_PROFILE=1);
                           the figures of such a run carry the profiler's overhead
  --routing after          when routing opens the tickets: after each level, on the backlog, with the
                           machine to itself (default); during the level, sharing the cores (the whole
                           walk at once); off (never)                     (BENCH_ROUTING)
  --no-routing             same as --routing off
  --results-dir DIR        where the JSON goes (default bench/results)    (BENCH_RESULTS_DIR)
DATABASE_URL / NATS_URL default to postgres://postgres@127.0.0.1:5432/test and nats://127.0.0.1:4222.`;

export function readConfig(
  argv: string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): BenchConfig {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(HELP);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${HELP}`);
    const eq = arg.indexOf('=');
    if (eq > 0) args.set(arg.slice(2, eq), arg.slice(eq + 1));
    else if (arg.startsWith('--no-')) args.set(arg.slice(5), '0');
    else if (argv[i + 1] === undefined || argv[i + 1].startsWith('--')) args.set(arg.slice(2), '1');
    else args.set(arg.slice(2), argv[++i]);
  }
  const known = [
    'concurrency',
    'requests',
    'warmup',
    'returning',
    'pool-size',
    'max-in-flight',
    'only',
    'checkpoint',
    'profile',
    'routing',
    'results-dir',
  ];
  for (const key of args.keys())
    if (!known.includes(key)) throw new Error(`unknown option --${key}\n${HELP}`);
  const get = (key: string) => args.get(key) ?? env[`BENCH_${key.toUpperCase().replace(/-/g, '_')}`];
  const int = (key: string, fallback: number, min = 1) => {
    const raw = get(key);
    const value = raw === undefined || raw === '' ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${key} must be an integer >= ${min}`);
    return value;
  };
  const concurrency = (get('concurrency') ?? '32').split(',').map((v) => Number(v.trim()));
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error('--concurrency: e.g. 16,32,64');
  const returning = Number(get('returning') ?? '0.2');
  if (!(returning >= 0 && returning <= 1)) throw new Error('--returning must be between 0 and 1');
  const only = get('only');
  if (only !== undefined && only !== 'platform' && only !== 'floor') throw new Error('--only platform|floor');
  const routingRaw = get('routing') ?? 'after';
  const routing = ({ '0': 'off', '1': 'after' } as Record<string, string>)[routingRaw] ?? routingRaw;
  if (routing !== 'after' && routing !== 'during' && routing !== 'off')
    throw new Error('--routing after|during|off');
  return {
    concurrency,
    requests: int('requests', 20_000),
    warmup: int('warmup', 500, 0),
    returning,
    poolSize: int('pool-size', 8),
    maxInFlight: int('max-in-flight', 256),
    platform: only !== 'floor',
    floor: only !== 'platform',
    checkpoint: get('checkpoint') !== '0',
    profile: get('profile') === '1',
    routing,
    resultsDir: get('results-dir'),
  };
}
