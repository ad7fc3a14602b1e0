import { createLogger, errorFields } from '@closeloop/observability';

const log = createLogger('polling-loop');

/**
 * Runs `pass` every `intervalMs` after the previous pass ended (never two at once in a process), logs a
 * failed pass and goes on; `stop()` waits for the pass in progress. The timer does not keep the process up.
 * Whether a pass has anything to do across replicas is the pass's business (row claims, leases).
 */
export class PollingLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly pass: () => Promise<unknown>,
  ) {}

  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .then(() => undefined)
        .catch((error: unknown) => log.error({ ...errorFields(error), loop: this.name }, 'pass failed'))
        .finally(() => this.start());
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }
}
